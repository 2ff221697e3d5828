package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"github.com/weft-gateway/weft/upstreams/grpc/protoschema"
	"github.com/weft-gateway/weft/upstreams/rest/openapi"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

// printImport prints what an import left out or changed, one warning per
// line, then its summary, on w (stderr): before the error of an import
// that gave nothing, so that the parts skipped and why are read first.
func printImport(w io.Writer, warnings []string, summary string) {
	for _, s := range warnings {
		fmt.Fprintln(w, "warning:", s)
	}
	fmt.Fprintln(w, summary)
}

// stringsOf returns the String of each value.
func stringsOf[T fmt.Stringer](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = v.String()
	}
	return out
}

// pathFor returns how an Upstream resource written into the directory out
// (the current directory when empty: a resource printed is placed there
// first) names the file or directory p, which the import read relative to
// the current directory: relative to out when it is inside it, else
// absolute, since a config names no file outside its directory. A URL
// stays as it is. far reports a path outside out.
func pathFor(p, out string) (named string, far bool, err error) {
	if out == "" {
		out = "."
	}
	if u, err := url.Parse(p); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return p, false, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false, fmt.Errorf("%s: %w", p, err)
	}
	dir, err := filepath.Abs(out)
	if err != nil {
		return "", false, fmt.Errorf("--out: %w", err)
	}
	if rel, err := filepath.Rel(dir, abs); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel), false, nil
	}
	return abs, true, nil
}

// noteFar says on w that the resource names p by an absolute path.
func noteFar(w io.Writer, p, out string) {
	where := "the current directory"
	if out != "" {
		where = "--out " + out
	}
	fmt.Fprintf(w, "note: the Upstream names %s by its absolute path, since it is outside %s: copy it into the config directory to keep the config whole\n", p, where)
}

// withLimitFlag adds to an importer's limit error the flag that raises
// the limit; other errors are returned as they are.
func withLimitFlag(err error) error {
	var limit string
	var (
		oe *openapi.LimitError
		we *wsdl.LimitError
		pe *protoschema.LimitError
	)
	switch {
	case errors.As(err, &oe):
		limit = oe.Limit
	case errors.As(err, &we):
		limit = we.Limit
	case errors.As(err, &pe):
		limit = pe.Limit
	default:
		return err
	}
	flag := map[string]string{"MaxFiles": "--max-files", "MaxBytes": "--max-bytes"}[limit]
	return fmt.Errorf("%w (raise the limit with %s)", err, flag)
}

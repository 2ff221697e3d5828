package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/schema/diff"
)

// clientTimeout bounds one call to the registry: a push builds the config
// twice, which takes seconds for a large one, not minutes.
const clientTimeout = 2 * time.Minute

// maxAnswer bounds the answer read from the registry.
const maxAnswer = 256 << 20

// registryFlags are the flags of every command that talks to a running
// registry.
type registryFlags struct {
	url   string
	token string
}

func (f *registryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.url, "registry", os.Getenv("WEFT_REGISTRY"), "the registry's URL, such as http://127.0.0.1:8090 (default $WEFT_REGISTRY)")
	cmd.Flags().StringVar(&f.token, "token", os.Getenv("WEFT_TOKEN"), "the token to call it with (default $WEFT_TOKEN)")
}

// client returns a client of the registry, or a usage error without a URL.
func (f *registryFlags) client() (*registryClient, error) {
	if f.url == "" {
		return nil, usagef("--registry is required (or $WEFT_REGISTRY): the registry's URL")
	}
	u, err := url.Parse(f.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--registry %q: want an http:// or https:// URL", f.url)
	}
	if !strings.HasSuffix(u.Path, "/graphql") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/graphql"
	}
	return &registryClient{endpoint: u.String(), token: f.token, http: &http.Client{Timeout: clientTimeout}}, nil
}

// registryClient calls the registry's GraphQL API.
type registryClient struct {
	endpoint string
	token    string
	http     *http.Client
}

// apiError is a refusal the registry answered: its message and code, and
// the build's problems or the check's report when it sent them.
type apiError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code     string           `json:"code"`
		Problems []string         `json:"problems"`
		Report   *registry.Report `json:"report"`
	} `json:"extensions"`
}

func (e *apiError) Error() string {
	msg := e.Message
	if len(e.Extensions.Problems) > 0 {
		msg += ":\n" + strings.Join(e.Extensions.Problems, "\n")
	}
	if e.Extensions.Code == string(registry.CodeUnauthenticated) {
		msg += " (give the token with --token or $WEFT_TOKEN)"
	}
	return msg
}

// do sends one operation and decodes its data into out.
func (c *registryClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("registry %s: %w", c.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("registry %s: %w", c.endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("registry %s: reading the answer: %w", c.endpoint, err)
	}
	var ans struct {
		Data   json.RawMessage `json:"data"`
		Errors []*apiError     `json:"errors"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		snippet := strings.TrimSpace(string(raw[:min(len(raw), 200)]))
		return fmt.Errorf("registry %s answered %s, not GraphQL: %s", c.endpoint, resp.Status, snippet)
	}
	if len(ans.Errors) > 0 {
		return ans.Errors[0]
	}
	if err := json.Unmarshal(ans.Data, out); err != nil {
		return fmt.Errorf("registry %s: decoding the answer: %w", c.endpoint, err)
	}
	return nil
}

// reportFields asks for a report with everything the CLI prints.
const reportFields = `subject revision breaking approved removedVirtualServices addedVirtualServices
  replaced { path source }
  virtualServices { name changes { coordinate class severity message old new affects
    operations { signature name count } approval { ` + approvalFields + ` } lapsedApproval { ` + approvalFields + ` } } }`

// approvalFields asks for what a report prints of an approval.
const approvalFields = `subject coordinate class approvedBy reason time expiresAt state spentVersion spentAt`

// apiReport is a report as the API answers it.
type apiReport struct {
	Subject  string
	Revision int64
	Breaking int
	Approved int
	Replaced []struct {
		Path, Source string
	}
	VirtualServices []struct {
		Name    string
		Changes []struct {
			Coordinate, Class, Severity, Message string
			Old, New                             *string
			Affects                              []string
			Operations                           []registry.OperationUse
			Approval                             *store.Approval
			LapsedApproval                       *store.Approval
		}
	}
	RemovedVirtualServices []string
	AddedVirtualServices   []string
}

// report returns the report as weft check builds it.
func (a *apiReport) report() *registry.Report {
	r := &registry.Report{
		Subject: a.Subject, Revision: a.Revision, Breaking: a.Breaking, Approved: a.Approved,
		Replaced: map[string]string{}, VirtualServices: map[string][]registry.Change{},
		Removed: a.RemovedVirtualServices, Added: a.AddedVirtualServices,
	}
	for _, p := range a.Replaced {
		r.Replaced[p.Path] = p.Source
	}
	for _, vs := range a.VirtualServices {
		changes := []registry.Change{}
		for _, c := range vs.Changes {
			changes = append(changes, registry.Change{
				Change: diff.Change{Coordinate: c.Coordinate, Class: diff.Class(c.Class), Severity: diff.Severity(c.Severity),
					Message: c.Message, Old: deref(c.Old), New: deref(c.New), Affects: c.Affects},
				Operations: c.Operations, Approval: apiApproval(c.Approval), Lapsed: apiApproval(c.LapsedApproval),
			})
		}
		r.VirtualServices[vs.Name] = changes
	}
	return r
}

// apiApproval returns an approval as the API answered it with its state
// as the store names it (the API's enum is in capitals).
func apiApproval(a *store.Approval) *store.Approval {
	if a != nil {
		a.State = store.ApprovalState(strings.ToLower(string(a.State)))
	}
	return a
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// changeFlags are the flags that name a change to one subject, shared by
// push and the online check.
type changeFlags struct {
	upstream string
	subject  string
	files    []string
	replace  bool
}

func (f *changeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.upstream, "upstream", "", "the upstream whose source the FILE argument replaces")
	cmd.Flags().StringVar(&f.subject, "subject", "", "the subject (Upstream/NAME, VirtualService/NAME) whose files --file replaces")
	cmd.Flags().StringArrayVar(&f.files, "file", nil, "PATH=FILE: the subject's file PATH (relative to the subject, or from the config root) is FILE (repeatable)")
	cmd.Flags().BoolVar(&f.replace, "replace", false, "with --subject, the --file files are the whole of the subject's new version")
}

// input returns the API's change input for the flags and arguments.
func (f *changeFlags) input(args []string) (map[string]any, error) {
	switch {
	case f.upstream != "" && f.subject != "":
		return nil, usagef("--upstream and --subject exclude each other: --upstream NAME FILE, or --subject S --file PATH=FILE")
	case f.upstream != "" && len(args) == 0:
		return nil, usagef("--upstream %s needs the new source file as an argument", f.upstream)
	case f.upstream == "" && len(args) > 0:
		return nil, usagef("unexpected argument %q: name the upstream it is the source of with --upstream", args[0])
	case f.upstream != "" && len(f.files) > 0:
		return nil, usagef("--file goes with --subject, not --upstream")
	case f.upstream == "" && f.subject == "":
		return nil, usagef("nothing to send: give --upstream NAME FILE or --subject S --file PATH=FILE")
	case f.subject != "" && len(f.files) == 0:
		return nil, usagef("--subject %s: give its files with --file PATH=FILE", f.subject)
	case f.replace && f.subject == "":
		return nil, usagef("--replace goes with --subject")
	}
	if f.upstream != "" {
		src, err := fileInput(args[0], args[0])
		if err != nil {
			return nil, fmt.Errorf("reading the new source of upstream %s: %w", f.upstream, err)
		}
		return map[string]any{"upstream": f.upstream, "source": src}, nil
	}
	var files []any
	for _, kv := range f.files {
		p, local, ok := strings.Cut(kv, "=")
		if !ok || p == "" || local == "" {
			return nil, usagef("--file %q: want PATH=FILE", kv)
		}
		in, err := fileInput(p, local)
		if err != nil {
			return nil, fmt.Errorf("--file %s: %w", kv, err)
		}
		files = append(files, in)
	}
	return map[string]any{"subject": f.subject, "files": files, "replace": f.replace}, nil
}

// fileInput reads a local file into the API's FileInput: as text when it
// is UTF-8 without NUL, else in base64.
func fileInput(path, local string) (map[string]any, error) {
	data, err := os.ReadFile(local)
	if err != nil {
		return nil, err
	}
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return map[string]any{"path": path, "content": string(data)}, nil
	}
	return map[string]any{"path": path, "content": base64.StdEncoding.EncodeToString(data), "encoding": "BASE64"}, nil
}

// breakingRefusal returns the report a registry refused a change for, for
// breaking changes, and the error to end with; other errors pass
// unchanged, with no report.
func breakingRefusal(err error) (*registry.Report, error) {
	var ae *apiError
	if errors.As(err, &ae) && ae.Extensions.Code == string(registry.CodeBreakingChanges) && ae.Extensions.Report != nil {
		return ae.Extensions.Report, fmt.Errorf("%s; approve them with weft approve, or pass --allow-breaking", ae.Message)
	}
	return nil, err
}

package virtualservices

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/weft-gateway/weft/internal/resource"
)

// Files a resource names (an SDL file, an OpenAPI document, a WSDL, .proto
// import paths, TLS files) by a relative path are relative to the
// resource's own file and must be inside the config directory: the
// directory is what the server watches for changes and what `weft
// validate` checks, and what is copied or mounted where the config is
// deployed, so a relative path that leads out of it could change unseen or
// be missing there. The rule is on the path as written: symlinks in the
// directory are followed wherever they lead, as they are for the YAML
// files, since whoever lays out the directory (a Kubernetes volume is made
// of symlinks) links what it means to.
//
// Files that kinds open on disk themselves (OpenAPI documents, WSDLs,
// .proto import paths, TLS files) may also be named by an absolute path:
// a deliberate reference to a file of the machine (a mounted secret, a
// spec installed with the image, what `weft import` writes), read at every
// load but not watched. Files read through the config's file system (SDL
// files, descriptor sets) are named relatively, as that file system may
// not be a directory on disk.

// configPath returns the path in cfg.FS of the file that resource d names.
func configPath(cfg Config, d *resource.Document, name string) (string, error) {
	if path.IsAbs(name) || filepath.IsAbs(name) {
		return "", fmt.Errorf("file %q is an absolute path: name files relative to %s, inside the config directory %s, which is what weft watches for changes and what weft validate checks",
			name, d.File, configDirName(cfg))
	}
	dir := path.Clean(filepath.ToSlash(cfg.Dir))
	p := path.Clean(path.Join(path.Dir(documentPath(cfg, d)), filepath.ToSlash(name)))
	if !fs.ValidPath(p) || dir != "." && p != dir && !strings.HasPrefix(p, dir+"/") {
		return "", fmt.Errorf("file %q is outside the config directory %s: files a config names must be inside it, since it is what weft watches for changes and what weft validate checks",
			name, configDirName(cfg))
	}
	return p, nil
}

// documentPath returns the path in cfg.FS of d's file, which d.File names
// as errors print it (see resource.Options.DisplayRoot).
func documentPath(cfg Config, d *resource.Document) string {
	if cfg.DisplayRoot != "" {
		// DisplayRoot is joined as filepath.Join does, which cleans it
		// ("./cfg/" prints as "cfg"), so it is taken off the same way.
		if rel, err := filepath.Rel(filepath.Clean(cfg.DisplayRoot), d.File); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(d.File)
}

// configDirName names the config directory in messages.
func configDirName(cfg Config) string {
	if cfg.DisplayRoot != "" {
		return cfg.DisplayRoot
	}
	return cfg.Dir
}

// readRelative reads a file a resource names, relative to the resource's
// own file, inside the config's file system.
func readRelative(cfg Config, d *resource.Document, name string) ([]byte, string, error) {
	p, err := configPath(cfg, d, name)
	if err != nil {
		return nil, "", err
	}
	data, err := fs.ReadFile(cfg.FS, p)
	display := p
	if cfg.DisplayRoot != "" {
		display = filepath.Join(cfg.DisplayRoot, filepath.FromSlash(p))
	}
	if err != nil {
		return nil, display, fmt.Errorf("cannot read %s: %w", display, err)
	}
	return data, display, nil
}

// localRelative returns the path on disk of a file a resource names,
// relative to the resource's file; the config must be on disk. An absolute
// name is returned as it is (see above).
func localRelative(cfg Config, d *resource.Document, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	p, err := configPath(cfg, d, name)
	if err != nil {
		return "", err
	}
	if cfg.OSDir == "" {
		return "", fmt.Errorf("file %q: this config is not on disk; name the file by an absolute path or a URL", name)
	}
	return filepath.Join(cfg.OSDir, filepath.FromSlash(p)), nil
}

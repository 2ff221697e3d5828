package fedaudit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The oldest Node.js the audit's server runs on: it imports util.styleText,
// added in 20.12 (Promise.withResolvers, from 22, is polyfilled).
const (
	minNodeMajor = 20
	minNodeMinor = 12
)

// installHint says how to get Node.js and npm, for every message that
// finds them missing or too old.
const installHint = "`make test` installs Debian's nodejs and npm when they are missing " +
	"(scripts/install-test-deps.sh); where Debian's nodejs is older (Debian 12 ships 18), " +
	"install Node.js 20.12 or newer by hand"

// installTimeout bounds npm ci, which downloads about 80 MB on a machine's
// first run.
const installTimeout = 10 * time.Minute

// staleInstall is the age past which an unfinished install folder in the
// cache is taken as left by a process that died, and removed.
const staleInstall = time.Hour

// tools are the programs the server needs.
type tools struct {
	node, npm string
}

// findTools finds node and npm on PATH and checks node's version.
func findTools(ctx context.Context) (tools, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return tools{}, fmt.Errorf("node is not on PATH: %s", installHint)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return tools{}, fmt.Errorf("npm is not on PATH (node is %s): %s", node, installHint)
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return tools{}, fmt.Errorf("%s --version: %w", node, err)
	}
	v := strings.TrimSpace(string(out))
	major, minor, err := parseNodeVersion(v)
	if err != nil {
		return tools{}, fmt.Errorf("%s --version: %w", node, err)
	}
	if major < minNodeMajor || major == minNodeMajor && minor < minNodeMinor {
		return tools{}, fmt.Errorf("%s is Node.js %s; the audit's server needs %d.%d or newer: %s",
			node, v, minNodeMajor, minNodeMinor, installHint)
	}
	return tools{node: node, npm: npm}, nil
}

var nodeVersion = regexp.MustCompile(`^v(\d+)\.(\d+)\.\d+`)

// parseNodeVersion reads what node --version prints: v20.20.2.
func parseNodeVersion(v string) (major, minor int, err error) {
	m := nodeVersion.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, fmt.Errorf("version %q is not vMAJOR.MINOR.PATCH", v)
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, nil
}

// cacheRoot is where installed packages are kept across runs.
func cacheRoot() string {
	base, err := os.UserCacheDir()
	if err != nil {
		// No $HOME nor $XDG_CACHE_HOME: the temporary folder still keeps
		// the packages for the machine's next runs.
		base = os.TempDir()
	}
	return filepath.Join(base, "weft", "federation-audit")
}

// installModules returns a node_modules folder holding the packages that
// dir's package-lock.json pins, installing them with npm ci into the cache
// the first time. Test processes may run it at once: each installs into a
// folder of its own and renames it into place, which is atomic, so one wins
// and the others use its folder.
func installModules(ctx context.Context, npm, dir, root string) (string, error) {
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(lock)
	final := filepath.Join(root, hex.EncodeToString(sum[:]))
	modules := filepath.Join(final, "node_modules")
	if installed(modules) {
		return modules, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	removeStale(root)
	// final appears whole, by a rename below, so a folder there without
	// the packages (checked again: another process may have just renamed
	// its install into place) was damaged by hand; it cannot be used, and
	// would block the rename.
	if _, err := os.Stat(final); err == nil && !installed(modules) {
		if err := os.RemoveAll(final); err != nil {
			return "", fmt.Errorf("removing the incomplete %s: %w", final, err)
		}
	}

	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // gone by then when the rename succeeded
	for _, f := range []string{"package.json", "package-lock.json"} {
		if err := copyFile(filepath.Join(dir, f), filepath.Join(tmp, f)); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (not done in %v)", err, installTimeout)
		}
		return "", fmt.Errorf("npm ci --no-audit --no-fund in %s (a copy of %s): %w; its output:\n%s",
			tmp, dir, err, tail(out.Bytes(), 8<<10))
	}
	if !installed(filepath.Join(tmp, "node_modules")) {
		return "", fmt.Errorf("npm ci in %s succeeded but installed no tsx; its output:\n%s", tmp, tail(out.Bytes(), 8<<10))
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another process renamed its install first: use that one.
		if installed(modules) {
			return modules, nil
		}
		return "", fmt.Errorf("moving the packages into the cache: %w", err)
	}
	return modules, nil
}

// installed tells whether modules holds a finished install: tsx is the
// package the server is started with.
func installed(modules string) bool {
	_, err := os.Stat(filepath.Join(modules, "tsx", "package.json"))
	return err == nil
}

// removeStale removes install folders that a process which died left
// behind; an install in progress is younger than staleInstall.
func removeStale(root string) {
	old, _ := filepath.Glob(filepath.Join(root, "install-*"))
	for _, d := range old {
		if st, err := os.Stat(d); err == nil && time.Since(st.ModTime()) > staleInstall {
			_ = os.RemoveAll(d)
		}
	}
}

// copyTree copies the audit's folder to dst, leaving out a node_modules
// folder (a copy someone installed in place). Everything is made writable,
// as the source may be read-only and the copy is removed after the test.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && d.Name() == "node_modules":
			return fs.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		default:
			return fmt.Errorf("%s: not a regular file or folder", p)
		}
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return out.Close()
}

// tail returns the last max bytes of b, from a line's start.
func tail(b []byte, max int) string {
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

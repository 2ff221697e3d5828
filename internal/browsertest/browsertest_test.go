package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestFindChromium(t *testing.T) {
	errMissing := errors.New("missing")
	tests := []struct {
		name    string
		env     string
		present []string // what lookPath finds
		want    string
		wantErr string
	}{
		{name: "env wins", env: "/opt/chrome/chrome", present: []string{"/opt/chrome/chrome", "/usr/bin/chromium"}, want: "/opt/chrome/chrome"},
		{name: "env wrong is an error, not a fallback", env: "/nowhere/chrome", present: []string{"/usr/bin/chromium"}, wantErr: EnvChromium + "=/nowhere/chrome"},
		{name: "debian package", present: []string{"/usr/bin/chromium", "chromium"}, want: "/usr/bin/chromium"},
		{name: "on PATH", present: []string{"chromium"}, want: "/path/chromium"},
		{name: "none", wantErr: "no chromium found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvChromium {
					return tt.env
				}
				return ""
			}
			lookPath := func(p string) (string, error) {
				if !slices.Contains(tt.present, p) {
					return "", errMissing
				}
				if !strings.HasPrefix(p, "/") {
					return "/path/" + p, nil
				}
				return p, nil
			}
			got, err := findChromium(getenv, lookPath)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("findChromium() = %q, %v; want error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("findChromium() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestIsLocal(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:8080/graphql", true},
		{"https://127.10.0.3/x", true},
		{"http://localhost/", true},
		{"http://api.localhost:9000/", true},
		{"ws://[::1]:4000/socket", true},
		{"data:font/woff2;base64,AAAA", true},
		{"blob:http://127.0.0.1/1234", true},
		{"about:blank", true},
		{"https://cdn.jsdelivr.net/npm/graphiql", false},
		{"http://192.168.1.10/", false},
		{"http://10.0.0.1/", false},
		{"wss://example.com/", false},
		{"http://localhost.example.com/", false},
		{"ftp://127.0.0.1/", false},
		{"chrome-extension://abc/", false},
		{"::not a url", false},
	}
	for _, tt := range tests {
		if got := IsLocal(tt.url); got != tt.want {
			t.Errorf("IsLocal(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

// fakeTB stands in for a test to see how New ends it. Its Fatalf and Skip
// stop New with a panic, as the real ones stop the goroutine.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

type stopped struct{}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (f *fakeTB) Skip(args ...any) {
	f.skip = fmt.Sprint(args...)
	panic(stopped{})
}

func runNew(tb *fakeTB) {
	defer func() {
		if r := recover(); r != nil && r != (stopped{}) {
			panic(r)
		}
	}()
	New(tb)
}

func TestNewWithoutChromium(t *testing.T) {
	t.Setenv(EnvChromium, "/nonexistent/chromium")

	t.Setenv(EnvRequire, "")
	var skipped fakeTB
	runNew(&skipped)
	if skipped.skip == "" || skipped.fatal != "" {
		t.Errorf("without %s: skip %q, fatal %q; want a skip", EnvRequire, skipped.skip, skipped.fatal)
	}
	if !strings.Contains(skipped.skip, "install-test-deps.sh") {
		t.Errorf("skip message %q does not say how to install the browser", skipped.skip)
	}

	t.Setenv(EnvRequire, "1")
	var failed fakeTB
	runNew(&failed)
	if failed.fatal == "" || failed.skip != "" {
		t.Errorf("with %s=1: skip %q, fatal %q; want a failure", EnvRequire, failed.skip, failed.fatal)
	}
}

// testPage logs an error, throws, and requests one local and one outside
// URL. The outside one is in .invalid, which never resolves, and the proxy
// New sets makes it fail on the machine.
const testPage = `<!doctype html><title>t</title>
<script>
console.log("fine");
console.error("boom", 42);
fetch("/local-data").then(() => { document.title = "local done"; });
fetch("http://example.invalid/outside").catch(() => { window.outsideFailed = true; });
setTimeout(() => { throw new Error("kaboom"); }, 0);
</script>`

func TestRecorder(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, testPage)
	})
	mux.HandleFunc("/local-data", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "{}") })
	mux.HandleFunc("/favicon.ico", http.NotFound)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	var pid int
	var profile string
	t.Run("browser", func(t *testing.T) {
		ctx := New(t)
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the context of New has no deadline; a hanging page would hang the test")
		}
		pid, profile = browserProcess(t, ctx)
		if n := len(processesUsing(profile)); n < 2 {
			// Chromium runs a renderer and helpers beside its main process.
			t.Errorf("found %d processes using the profile, want several; the leak check would prove nothing", n)
		}

		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		// The outside request must fail fast, on the machine.
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.outsideFailed === true && document.title === "local done"`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("waiting for the page's requests to end: %v", err)
		}

		rec := Recording(ctx)
		reqs := rec.Requests()
		for _, want := range []string{srv.URL + "/", srv.URL + "/local-data", "http://example.invalid/outside"} {
			if !slices.Contains(reqs, want) {
				t.Errorf("requests %q lack %s", reqs, want)
			}
		}
		if remote := rec.Remote(); !slices.Equal(remote, []string{"http://example.invalid/outside"}) {
			t.Errorf("Remote() = %q, want only the .invalid URL", remote)
		}
		errs := strings.Join(rec.ConsoleErrors(), "\n")
		for _, want := range []string{"console.error: boom 42", "kaboom"} {
			if !strings.Contains(errs, want) {
				t.Errorf("console errors lack %q:\n%s", want, errs)
			}
		}
		if strings.Contains(errs, "fine") {
			t.Errorf("console.log recorded as an error:\n%s", errs)
		}

		var inner fakeAssert
		rec.AssertClean(&inner)
		if len(inner.errors) != 2 {
			t.Errorf("AssertClean reported %d failures, want 2 (remote request, console errors): %q", len(inner.errors), inner.errors)
		}
	})

	// The subtest's cleanup has run: the browser and every process of its
	// profile must be gone, and so must the profile.
	if pid == 0 {
		return // the subtest skipped or failed before the browser started
	}
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("no /proc to look for leftover processes")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := processesUsing(profile)
		if alive(pid) {
			left = append(left, pid)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser processes %v still run after the test ended", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(profile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("profile %s still exists after the test: %v", profile, err)
	}
}

// fakeAssert records the failures AssertClean reports.
type fakeAssert struct {
	testing.TB
	errors []string
}

func (f *fakeAssert) Helper() {}
func (f *fakeAssert) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// browserProcess returns the pid and profile directory of the browser of ctx.
func browserProcess(t *testing.T, ctx context.Context) (int, string) {
	t.Helper()
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		t.Fatal("no browser process behind the context")
	}
	pid := c.Browser.Process().Pid
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Skipf("cannot read the browser's command line: %v", err)
	}
	for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
		if dir, ok := strings.CutPrefix(string(arg), "--user-data-dir="); ok {
			return pid, dir
		}
	}
	t.Fatalf("browser started without --user-data-dir: %q", cmdline)
	return 0, ""
}

// processesUsing returns the processes whose command line names profile.
func processesUsing(profile string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmdline, []byte("--user-data-dir="+profile)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid runs (a zombie, which has exited, does not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

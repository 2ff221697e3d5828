// Package browsertest runs browser tests against real servers with a headless
// Chromium driven over the DevTools protocol (chromedp).
//
// New starts a private browser for one test and ends it when the test ends.
// Every page request and every console error of the tab is recorded from the
// start, so a test can check that a page loads nothing from outside the
// machine and logs no error:
//
//	ctx := browsertest.New(t)
//	srv := httptest.NewServer(handler)
//	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil { ... }
//	browsertest.Recording(ctx).AssertClean(t)
//
// Chromium comes from Debian's chromium package (scripts/install-test-deps.sh
// installs it). Without it the tests skip, unless WEFT_REQUIRE_BROWSER=1,
// which CI sets so that a missing browser fails instead of passing quietly.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Environment variables read by New.
const (
	// EnvChromium names the Chromium binary to run, ahead of the usual places.
	EnvChromium = "WEFT_CHROMIUM"
	// EnvRequire, set to 1, makes a missing browser fail the test instead of
	// skipping it.
	EnvRequire = "WEFT_REQUIRE_BROWSER"
)

// Time limits. A browser test must end even when the page or the browser
// hangs, so every step that waits has one.
const (
	// startTimeout bounds starting the browser and opening its tab.
	startTimeout = 30 * time.Second
	// testTimeout bounds what the test does with the returned context.
	testTimeout = 2 * time.Minute
	// closeTimeout bounds the graceful close; after it the process is killed.
	closeTimeout = 10 * time.Second
	// deadlineMargin is left before the test binary's own -timeout so that a
	// stuck browser step fails the test with a message rather than a panic
	// dump of every goroutine.
	deadlineMargin = 15 * time.Second
)

// New starts a headless Chromium for t and returns the context of its tab,
// for chromedp.Run and chromedp.Do. The context ends after a time limit (two
// minutes, or sooner when the test's deadline is closer), so a hanging page
// fails the test instead of blocking it. The browser, its child processes and
// its fresh temporary profile are removed when t ends.
//
// If no Chromium is found, New skips t, or fails it when WEFT_REQUIRE_BROWSER
// is 1.
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := findChromium(os.Getenv, exec.LookPath)
	if err != nil {
		msg := fmt.Sprintf("browser test needs Chromium: %v; run scripts/install-test-deps.sh or set %s", err, EnvChromium)
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s (%s=1 makes this a failure)", msg, EnvRequire)
		}
		t.Skip(msg)
	}

	// chromedp logs from its own goroutines; a log line after the test has
	// ended would panic in the testing package, so the logger closes first.
	var ended atomic.Bool
	logf := func(format string, args ...any) {
		if !ended.Load() {
			t.Logf("chromedp: "+format, args...)
		}
	}
	// Chromium sometimes dies at start on a loaded machine (several test
	// packages start one at once); a fresh process usually starts.
	var tabCtx context.Context
	var rec *Recorder
	for attempt := 1; ; attempt++ {
		tabCtx, rec, err = start(t, path, logf, &ended)
		if err == nil {
			break
		}
		if attempt == startAttempts {
			t.Fatalf("browsertest: starting %s (%d attempts): %v", path, attempt, err)
		}
		t.Logf("browsertest: starting %s failed, trying again: %v", path, err)
	}

	limit := testTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			limit = min(limit, time.Until(deadline)-deadlineMargin)
		}
	}
	ctx, cancel := context.WithTimeout(tabCtx, limit)
	t.Cleanup(cancel)
	return context.WithValue(ctx, recorderKey{}, rec)
}

// startAttempts bounds how many Chromium processes New starts before it
// gives up.
const startAttempts = 3

// start starts one Chromium and its tab, recording from the first moment;
// its cleanup is registered on t.
func start(t testing.TB, path string, logf func(string, ...any), ended *atomic.Bool) (context.Context, *Recorder, error) {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocatorOptions(path)...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	closeBrowser := func() {
		// The graceful close lets Chromium end its children; the timer kills
		// it if that hangs. cancelAlloc waits for the process to exit and
		// removes the profile, killing any child left behind.
		kill := time.AfterFunc(closeTimeout, cancelAlloc)
		defer kill.Stop()
		if err := chromedp.Cancel(tabCtx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browsertest: closing the browser: %v", err)
		}
		cancelTab()
		cancelAlloc()
	}
	rec := &Recorder{}
	// The first chromedp call binds the browser's life to the context it
	// gets, so it gets the tab context with no deadline, and a timer bounds
	// the start instead. Listening from here on means nothing the page does
	// goes unrecorded.
	stuck := time.AfterFunc(startTimeout, cancelAlloc)
	err := chromedp.Listen(tabCtx, rec.handle)
	stuck.Stop()
	if err != nil {
		cancelTab()
		cancelAlloc()
		return nil, nil, err
	}
	t.Cleanup(func() {
		defer ended.Store(true)
		closeBrowser()
	})
	return tabCtx, rec, nil
}

// allocatorOptions are chromedp's defaults plus the flags that keep a test
// browser quiet and local. The machines that run tests have no network: a
// browser with its background services on makes many refused connections.
func allocatorOptions(path string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root in a container, where the sandbox cannot start
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		// Loopback bypasses any proxy, so local test servers are reached
		// directly; everything else goes to a closed local port and fails
		// at once, without a packet leaving the machine. The Recorder still
		// sees such requests, so tests can name them.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.WindowSize(1280, 800),
		// chromedp makes a fresh temporary --user-data-dir for each browser
		// and deletes it, with any process still using it, when the browser
		// ends; no UserDataDir option is given so that it does.
	)
}

// errNoChromium is returned by findChromium when no candidate runs.
var errNoChromium = errors.New("no chromium found")

// findChromium looks for the browser: $WEFT_CHROMIUM if set (and then only
// there, so a wrong setting is not hidden by another browser), else
// /usr/bin/chromium, else chromium on PATH.
func findChromium(getenv func(string) string, lookPath func(string) (string, error)) (string, error) {
	if p := getenv(EnvChromium); p != "" {
		found, err := lookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvChromium, p, err)
		}
		return found, nil
	}
	for _, candidate := range []string{"/usr/bin/chromium", "chromium"} {
		if found, err := lookPath(candidate); err == nil {
			return found, nil
		}
	}
	return "", fmt.Errorf("%w at /usr/bin/chromium or on PATH", errNoChromium)
}

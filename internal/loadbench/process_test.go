package loadbench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gone reports whether pid has ended (no such process, or a zombie that
// only waits to be reaped by whoever inherited it).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && strings.HasPrefix(string(b[i+1:]), " Z")
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if gone(pid) {
			return
		}
	}
	t.Errorf("process %d still runs", pid)
}

func TestProcessStop(t *testing.T) {
	p, err := startProcess("sleeper", []string{"sleep", "30"})
	if err != nil {
		t.Fatal(err)
	}
	if p.exited() {
		t.Fatal("exited at once")
	}
	start := time.Now()
	p.stop()
	if !p.exited() || time.Since(start) > 2*time.Second {
		t.Errorf("SIGTERM did not stop sleep promptly (exited %t after %s)", p.exited(), time.Since(start))
	}
	p.stop() // again: nothing to do
}

// TestProcessStopKillsGroup stops a child that ignores SIGTERM and has a
// child of its own: both must be killed once the grace period is over.
func TestProcessStopKillsGroup(t *testing.T) {
	p, err := startProcess("stubborn", []string{"sh", "-c", `trap "" TERM; sleep 30 & echo $!; wait`})
	if err != nil {
		t.Fatal(err)
	}
	p.grace = 100 * time.Millisecond
	var grandchild int
	for deadline := time.Now().Add(5 * time.Second); grandchild == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		grandchild, _ = strconv.Atoi(strings.TrimSpace(p.output()))
	}
	if grandchild == 0 {
		p.stop()
		t.Fatalf("no grandchild pid in %q", p.output())
	}
	p.stop()
	if !p.exited() {
		t.Error("stop returned before the process ended")
	}
	waitGone(t, p.pid())
	waitGone(t, grandchild)
}

func TestProcessFailure(t *testing.T) {
	p, err := startProcess("broken", []string{"sh", "-c", "echo starting; echo 'listen: address in use' >&2; exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.failure()
	for _, want := range []string{"broken", "exit status 3", "starting", "listen: address in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("failure %q lacks %q", err, want)
		}
	}
	if _, err := startProcess("missing", []string{"/nonexistent/weft"}); err == nil || !strings.Contains(err.Error(), "starting missing") {
		t.Errorf("starting a missing binary: %v", err)
	}
}

func TestWaitStopsWhenTheProcessExits(t *testing.T) {
	p, err := startProcess("quitter", []string{"sh", "-c", "echo bye; exit 1"})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = waitListening(context.Background(), p, addr)
	if err == nil || !strings.Contains(err.Error(), "bye") || time.Since(start) > 5*time.Second {
		t.Errorf("waiting for an exited process: %v after %s", err, time.Since(start))
	}
}

func TestWaitReady(t *testing.T) {
	ready := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-ready:
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	p, err := startProcess("sleeper", []string{"sleep", "30"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	time.AfterFunc(100*time.Millisecond, func() { close(ready) })
	c := srv.Client()
	if err := waitReady(context.Background(), c, p, srv.URL+"/readyz"); err != nil {
		t.Fatal(err)
	}
	if err := waitListening(context.Background(), p, strings.TrimPrefix(srv.URL, "http://")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A port just freed, where nothing listens.
	dead, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if err := waitListening(ctx, p, dead); err == nil {
		t.Error("waiting with a cancelled context succeeded")
	}
	c.CloseIdleConnections()
}

func TestTail(t *testing.T) {
	var tl tail
	_, _ = tl.Write([]byte("start "))
	_, _ = tl.Write([]byte(strings.Repeat("x", tailBytes)))
	_, _ = tl.Write([]byte(" end"))
	s := tl.String()
	if len(s) != tailBytes || !strings.HasSuffix(s, "x end") || strings.Contains(s, "start") {
		t.Errorf("tail kept %d bytes ending %q", len(s), s[len(s)-10:])
	}
}

package fedaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestServer starts the audit's server, reads every suite through the
// accessors and checks what they hold against each other and against the
// subgraphs themselves; once the test that started it ends, no process of
// the server is left and its copy is gone.
func TestServer(t *testing.T) {
	requireAudit(t)
	var (
		pid  int
		copy string
	)
	t.Run("serve", func(t *testing.T) {
		s := Start(t)
		pid, copy = s.proc.cmd.Process.Pid, s.dir
		if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
			t.Errorf("URL %q is not on loopback", s.URL)
		}
		if n := len(processesIn(copy)); n == 0 {
			t.Fatalf("no process runs from the copy %s: the leftover check below would prove nothing", copy)
		}
		readEverySuite(t, s)
		t.Run("port taken", func(t *testing.T) { portTaken(t, s) })
	})
	if pid == 0 {
		return // the subtest failed before the server started
	}
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("no /proc to look for leftover processes")
	}
	if groupAlive(pid) {
		t.Errorf("processes of the server's group %d still run after its test", pid)
	}
	if left := processesIn(copy); len(left) > 0 {
		t.Errorf("processes %v still run from %s after the test", left, copy)
	}
	if _, err := os.Stat(copy); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the copy %s is still there after the test: %v", copy, err)
	}
}

// readEverySuite reads each suite and checks that its supergraph names its
// subgraphs where they are, that each subgraph answers _service as a
// federation subgraph does, and that its cases are whole.
func readEverySuite(t *testing.T, s *Server) {
	ids, err := s.IDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatal("the server lists no suite")
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("ids are not sorted and unique: %q", ids)
	}
	total := 0
	for _, id := range ids {
		sdl, err := s.Supergraph(id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sdl, "enum join__Graph") {
			t.Errorf("%s: the supergraph has no join__Graph:\n%s", id, sdl)
		}
		subs, err := s.Subgraphs(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) == 0 {
			t.Errorf("%s: no subgraphs", id)
		}
		for _, sub := range subs {
			if want := s.URL + "/" + id + "/" + sub.Name; sub.URL != want {
				t.Errorf("%s: subgraph %s at %q, want %q", id, sub.Name, sub.URL, want)
			}
			if !strings.Contains(sdl, `url: "`+sub.URL+`"`) {
				t.Errorf("%s: the supergraph does not name subgraph %s's URL %s", id, sub.Name, sub.URL)
			}
			if strings.TrimSpace(sub.SDL) == "" {
				t.Errorf("%s: subgraph %s has no SDL", id, sub.Name)
			}
			checkService(t, s, id, sub)
		}
		cases, err := s.Tests(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) == 0 {
			t.Errorf("%s: no cases", id)
		}
		for i, c := range cases {
			if strings.TrimSpace(c.Query) == "" {
				t.Errorf("%s/%d: no query", id, i)
			}
			if c.Expected.Data != nil && !json.Valid(c.Expected.Data) {
				t.Errorf("%s/%d: expected data is not JSON: %s", id, i, c.Expected.Data)
			}
		}
		total += len(cases)
	}
	t.Logf("%d suites, %d cases", len(ids), total)

	if _, err := s.Tests("no-such-suite"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("Tests of an unknown suite: %v; want an HTTP 404 error", err)
	}
}

// checkService asks a subgraph for its SDL as a gateway does, and expects
// the types of its listed SDL in it.
func checkService(t *testing.T, s *Server, id string, sub Subgraph) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, strings.NewReader(`{"query": "{ _service { sdl } }"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Errorf("%s: subgraph %s: %v", id, sub.Name, err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var answer struct {
		Data struct {
			Service struct{ SDL string } `json:"_service"`
		}
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(body, &answer); err != nil || resp.StatusCode != http.StatusOK || len(answer.Errors) > 0 {
		t.Errorf("%s: subgraph %s answered _service with HTTP %d: %s", id, sub.Name, resp.StatusCode, body)
		return
	}
	for _, line := range strings.Split(sub.SDL, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "type" || f[0] == "interface") {
			if !strings.Contains(answer.Data.Service.SDL, f[0]+" "+f[1]) {
				t.Errorf("%s: subgraph %s's _service SDL lacks %s %s", id, sub.Name, f[0], f[1])
			}
		}
	}
}

// portTaken starts a second server from the same copy on a port that is
// taken: the start must be told apart as one to retry on another port.
func portTaken(t *testing.T, s *Server) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	p, err := launch(s.proc.cmd.Path, s.dir, port)
	if err != nil {
		t.Fatal(err)
	}
	err = p.waitReady(s.client, "http://127.0.0.1:"+strconv.Itoa(port), port)
	if kerr := p.kill(); kerr != nil {
		t.Error(kerr)
	}
	if !errors.Is(err, errRetry) {
		t.Fatalf("start on a taken port: %v; want a port-taken error", err)
	}
}

// TestStop: Stop ends the server before the test does, the server stops
// answering, and a second Stop (the cleanup's) is fine.
func TestStop(t *testing.T) {
	requireAudit(t)
	s := Start(t)
	if _, err := s.IDs(); err != nil {
		t.Fatal(err)
	}
	pid := s.proc.cmd.Process.Pid
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if groupAlive(pid) {
		t.Errorf("the server's group %d still runs after Stop", pid)
	}
	if _, err := s.IDs(); err == nil {
		t.Error("the server still answers after Stop")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// processesIn returns the live processes that run from dir or name it on
// their command line: the server's, wherever their group.
func processesIn(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		cwd = strings.TrimSuffix(cwd, " (deleted)") // the copy is removed at the test's end
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if (cwd == dir || strings.HasPrefix(cwd, dir+"/") || bytes.Contains(cmdline, []byte(dir))) && running(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// running tells whether pid runs (a zombie has exited).
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// TestCopyTree: the copy holds the audit's files, writable, without a
// node_modules installed in place.
func TestCopyTree(t *testing.T) {
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"package-lock.json":          "{}",
		"src/cli.ts":                 "x",
		"src/test-suites/a/index.ts": "y",
		"node_modules/tsx/index.js":  "z",
	})
	if err := os.Chmod(filepath.Join(src, "src", "cli.ts"), 0o444); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"package-lock.json": "{}", "src/cli.ts": "x", "src/test-suites/a/index.ts": "y"} {
		b, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(name)))
		if err != nil || string(b) != want {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
	if st, err := os.Stat(filepath.Join(dst, "src", "cli.ts")); err != nil || st.Mode().Perm()&0o200 == 0 {
		t.Errorf("the copy of a read-only file is not writable: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "node_modules")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("node_modules was copied: %v", err)
	}
}

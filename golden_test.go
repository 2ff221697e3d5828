package weft_test

// TestGolden runs the end-to-end cases of testdata/cases: each is a Weft
// config, the answers of its upstreams, and one or more requests with the
// responses and upstream calls they must produce. See testdata/README.md.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/recorded"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

var update = flag.Bool("update", false, "rewrite each case's response.json, calls.json and status from what the gateway produced")

// Every case stops what it starts: gateways, upstream servers, calls.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// casesDir holds the cases, one directory each.
const casesDir = "testdata/cases"

// requestTimeout bounds one request to the gateway, to catch a hang; the
// cases' own deadlines are far below it.
const requestTimeout = time.Minute

func TestGolden(t *testing.T) {
	cases, err := findCases(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no cases in %s", casesDir)
	}
	for _, dir := range cases {
		name := filepath.ToSlash(strings.TrimPrefix(dir, casesDir+string(filepath.Separator)))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runCase(t, dir)
		})
	}
}

// findCases returns every case directory below root: one holding a
// query.graphql or a steps folder.
func findCases(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		switch d.Name() {
		case "config", "upstreams", "steps":
			return fs.SkipDir
		}
		if exists(filepath.Join(p, "query.graphql")) || exists(filepath.Join(p, "steps")) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// nearest returns the folder called name in dir or the closest of its
// parents up to casesDir, so cases of one group can share a config or
// recordings.
func nearest(dir, name string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if p := filepath.Join(d, name); exists(p) {
			return p
		}
		if d == casesDir || d == "." || d == string(filepath.Separator) {
			return ""
		}
	}
}

// recordings returns the upstream recordings of a case: the files of its
// upstreams folder and, for names it does not hold, those of the folders
// above it up to casesDir, the nearest first. A group of cases can so
// share recordings and override one.
func recordings(dir string) []string {
	seen := map[string]bool{}
	var out []string
	for d := dir; ; d = filepath.Dir(d) {
		files, _ := filepath.Glob(filepath.Join(d, "upstreams", "*.yaml"))
		for _, f := range files {
			if !seen[filepath.Base(f)] {
				seen[filepath.Base(f)] = true
				out = append(out, f)
			}
		}
		if d == casesDir || d == "." || d == string(filepath.Separator) {
			return out
		}
	}
}

// envName is the variable a config names an upstream's address by:
// UPSTREAM_ and the recording's name in upper case, '-' and '.' as '_'.
func envName(upstream string) string {
	return "UPSTREAM_" + strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(upstream))
}

// runCase runs one case and reports what differs from its golden files;
// a case with a known-deviation file is expected to differ.
func runCase(t *testing.T, dir string) {
	deviation, _ := os.ReadFile(filepath.Join(dir, "known-deviation"))
	problems := playCase(dir, *update && deviation == nil)
	switch {
	case deviation == nil:
		for _, p := range problems {
			t.Error(p)
		}
	case len(problems) == 0:
		t.Errorf("the case passes: Weft no longer deviates; delete %s", filepath.Join(dir, "known-deviation"))
	default:
		t.Skipf("known deviation (%s):\n%s\nwhat differs:\n%s", filepath.Join(dir, "known-deviation"),
			strings.TrimSpace(string(deviation)), strings.Join(problems, "\n"))
	}
}

// playCase starts the case's upstreams and gateway, sends its requests,
// and returns every difference from its golden files (or, with write,
// rewrites them).
func playCase(dir string, write bool) []string {
	configDir := nearest(dir, "config")
	if configDir == "" {
		return []string{"no config folder in the case or above it"}
	}
	env := map[string]string{}
	var servers []recorded.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	for _, f := range recordings(dir) {
		s, err := recorded.StartFile(f, configDir)
		if err != nil {
			return []string{err.Error()}
		}
		servers = append(servers, s)
		env[envName(s.Name())] = s.Address()
	}

	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	snap, err := loader.Load(context.Background(), virtualservices.Config{
		FS: os.DirFS(configDir), Dir: ".", DisplayRoot: configDir, OSDir: configDir,
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}, nil)
	if err != nil {
		return []string{fmt.Sprintf("the config does not load:\n%v", err)}
	}
	srv := virtualservices.NewServer(zerolog.Nop())
	srv.Swap(snap)
	gw := httptest.NewServer(srv)
	defer func() { gw.Close(); srv.Close() }()

	steps := []string{dir}
	if stepsDir := filepath.Join(dir, "steps"); exists(stepsDir) {
		entries, err := os.ReadDir(stepsDir)
		if err != nil {
			return []string{err.Error()}
		}
		steps = steps[:0]
		for _, e := range entries {
			if e.IsDir() {
				steps = append(steps, filepath.Join(stepsDir, e.Name()))
			}
		}
	}
	// Addresses vary from run to run; golden files name them by their
	// variables.
	var addrs []string
	for _, s := range servers {
		addrs = append(addrs, s.Address(), "${"+envName(s.Name())+"}")
	}
	scrub := strings.NewReplacer(addrs...)

	// A case taken from another implementation's tests holds that test's
	// expected response, whose errors carry no extensions: the spec leaves
	// them to each implementation, so Weft's are not compared.
	imported := exists(filepath.Join(dir, "source"))
	var problems []string
	for _, step := range steps {
		label := ""
		if step != dir {
			label = "step " + filepath.Base(step) + ": "
		}
		for _, p := range playStep(gw, step, servers, scrub, write, imported) {
			problems = append(problems, label+p)
		}
	}
	return problems
}

// request is a step's request.yaml.
type request struct {
	// Method is POST (default: a JSON body) or GET (the query string).
	Method string `yaml:"method"`
	// Path is the gateway's path (default /graphql).
	Path string `yaml:"path"`
	// Host, when set, is the request's Host.
	Host string `yaml:"host"`
	// Headers are added; X-Request-Id is "golden" unless set here.
	Headers       map[string]string `yaml:"headers"`
	OperationName string            `yaml:"operationName"`
	// CallsInOrder keeps calls.json in the order the calls arrived, for an
	// operation whose calls are made one after another (a mutation's
	// fields); calls.json is otherwise sorted, as parallel calls arrive in
	// any order.
	CallsInOrder bool `yaml:"callsInOrder"`
}

func readRequest(dir string) (*request, error) {
	r := &request{Method: http.MethodPost, Path: "/graphql"}
	b, err := os.ReadFile(filepath.Join(dir, "request.yaml"))
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(r); err != nil {
		return nil, fmt.Errorf("request.yaml: %w", err)
	}
	return r, nil
}

// playStep sends one request and compares what came back, and what the
// upstreams received, with the step's golden files.
func playStep(gw *httptest.Server, dir string, servers []recorded.Server, scrub *strings.Replacer, write, imported bool) []string {
	query, err := os.ReadFile(filepath.Join(dir, "query.graphql"))
	if err != nil {
		return []string{err.Error()}
	}
	var variables json.RawMessage
	if b, err := os.ReadFile(filepath.Join(dir, "variables.json")); err == nil {
		if !json.Valid(b) {
			return []string{"variables.json is not JSON"}
		}
		variables = b
	}
	rq, err := readRequest(dir)
	if err != nil {
		return []string{err.Error()}
	}
	status, body, err := send(gw, rq, string(query), variables)
	if err != nil {
		return []string{err.Error()}
	}

	var problems []string
	// Every call has arrived: the gateway answers after its fetches end.
	var calls []recorded.Call
	for _, s := range servers {
		calls = append(calls, s.Calls()...)
		problems = append(problems, s.Unexpected()...)
	}
	if rq.CallsInOrder {
		recorded.SortCallsByArrival(calls)
	} else {
		recorded.SortCalls(calls)
	}
	if calls == nil {
		calls = []recorded.Call{}
	}
	callsJSON, _ := json.Marshal(calls)
	gotCalls, _ := decodeOrdered([]byte(scrub.Replace(string(callsJSON))))

	got, err := decodeOrdered([]byte(scrub.Replace(string(body))))
	if err != nil {
		return append(problems, fmt.Sprintf("the response (HTTP %d) is not JSON: %v\n%s", status, err, body))
	}
	got = normalizeResponse(got)
	if imported {
		got = withoutErrorExtensions(got)
	}

	statusFile := filepath.Join(dir, "status")
	if write {
		if err := os.WriteFile(filepath.Join(dir, "response.json"), indent(got), 0o644); err != nil {
			problems = append(problems, err.Error())
		}
		if err := os.WriteFile(filepath.Join(dir, "calls.json"), indent(gotCalls), 0o644); err != nil {
			problems = append(problems, err.Error())
		}
		if status == http.StatusOK {
			_ = os.Remove(statusFile)
		} else if err := os.WriteFile(statusFile, []byte(strconv.Itoa(status)+"\n"), 0o644); err != nil {
			problems = append(problems, err.Error())
		}
		return problems
	}

	wantStatus := http.StatusOK
	if b, err := os.ReadFile(statusFile); err == nil {
		if wantStatus, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			problems = append(problems, "status: not a number")
		}
	}
	if status != wantStatus {
		problems = append(problems, fmt.Sprintf("HTTP status %d, want %d", status, wantStatus))
	}
	problems = append(problems, compareFile(filepath.Join(dir, "response.json"), "response", got)...)
	problems = append(problems, compareFile(filepath.Join(dir, "calls.json"), "list of upstream calls", gotCalls)...)
	return problems
}

// compareFile compares a golden JSON file with a value.
func compareFile(path, what string, got any) []string {
	want, err := os.ReadFile(path)
	if err != nil {
		return []string{fmt.Sprintf("%v (go test -run TestGolden -update writes it)", err)}
	}
	ok, err := equalGolden(want, got)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", path, err)}
	}
	if ok {
		return nil
	}
	return []string{fmt.Sprintf("the %s differs from %s\n--- got\n%s--- want\n%s", what, path, indent(got), want)}
}

// send sends a case's request to the gateway and returns the status and
// body.
func send(gw *httptest.Server, rq *request, query string, variables json.RawMessage) (int, []byte, error) {
	var req *http.Request
	var err error
	switch rq.Method {
	case http.MethodPost:
		payload := map[string]any{"query": query}
		if variables != nil {
			payload["variables"] = variables
		}
		if rq.OperationName != "" {
			payload["operationName"] = rq.OperationName
		}
		b, _ := json.Marshal(payload)
		req, err = http.NewRequest(http.MethodPost, gw.URL+rq.Path, bytes.NewReader(b))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	case http.MethodGet:
		q := "query=" + url.QueryEscape(query)
		if variables != nil {
			q += "&variables=" + url.QueryEscape(string(variables))
		}
		if rq.OperationName != "" {
			q += "&operationName=" + url.QueryEscape(rq.OperationName)
		}
		req, err = http.NewRequest(http.MethodGet, gw.URL+rq.Path+"?"+q, nil)
	default:
		return 0, nil, fmt.Errorf("request.yaml: method %q: want GET or POST", rq.Method)
	}
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Request-Id", "golden")
	for k, v := range rq.Headers {
		req.Header.Set(k, v)
	}
	if rq.Host != "" {
		req.Host = rq.Host
	}
	client := gw.Client()
	client.Timeout = requestTimeout
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("the gateway did not answer: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func kinds() []upstreams.Kind {
	return []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind()}
}

// Package fedaudit runs the federation gateway audit for tests: real Apollo
// Federation v2 subgraphs (Node.js, graphql-yoga with @apollo/subgraph), the
// supergraph composed from them, and cases of a query with its expected
// answer, grouped in suites. The audit's files live outside the repository
// (see Dir); Start runs its server from a temporary copy, and Check judges a
// gateway's answer to a case by the audit's own rules.
//
//	srv := fedaudit.Start(t) // skips t when the audit is absent
//	ids, err := srv.IDs()
//	sdl, err := srv.Supergraph(ids[0])
//	cases, err := srv.Tests(ids[0])
//	...
//	err = fedaudit.Check(responseBody, cases[0])
//
// One server serves every suite, so a test starts it once and runs the
// suites as its subtests (parallel ones too): the server stops at the end
// of the test that started it, after its subtests. Its accessors return
// errors rather than ending a test, so subtests can call them.
//
// The server needs Node.js 20.12 or newer and npm. Its packages are
// installed once per package-lock.json into the user's cache directory
// (os.UserCacheDir()/weft/federation-audit), so only the first run on a
// machine reaches the npm registry; later ones start in a few seconds.
package fedaudit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// EnvDir names the audit's folder, ahead of the default beside the
// repository.
const EnvDir = "WEFT_FEDERATION_AUDIT"

// ErrNotFound is what Dir returns, wrapped, when the audit is not in its
// default place; tests skip then. A folder named by EnvDir that is absent
// is a mistake instead, and fails them.
var ErrNotFound = errors.New("federation audit not found")

// defaultRel is where the audit is by default, relative to the module root:
// a sibling of the repository, as the workplace lays it out.
const defaultRel = "../shared/federation-audit"

// Dir returns the audit's folder: $WEFT_FEDERATION_AUDIT if set, else
// ../shared/federation-audit beside the module root (the folder holding
// go.mod, found from the working directory up, which go test sets to the
// package's folder). The folder must hold package-lock.json and src/cli.ts.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("fedaudit: %w", err)
	}
	return findDir(os.Getenv(EnvDir), wd)
}

// findDir is Dir with its inputs given.
func findDir(env, wd string) (string, error) {
	if env != "" {
		dir, err := filepath.Abs(env)
		if err != nil {
			return "", fmt.Errorf("fedaudit: %s=%s: %w", EnvDir, env, err)
		}
		if err := checkAuditDir(dir); err != nil {
			return "", fmt.Errorf("fedaudit: %s=%s: %w", EnvDir, env, err)
		}
		return dir, nil
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return "", fmt.Errorf("fedaudit: %w", err)
	}
	dir := filepath.Clean(filepath.Join(root, defaultRel))
	if err := checkAuditDir(dir); err != nil {
		return "", fmt.Errorf("%w at %s (%v; set %s to its folder)", ErrNotFound, dir, err, EnvDir)
	}
	return dir, nil
}

// checkAuditDir tells whether dir holds the audit's server.
func checkAuditDir(dir string) error {
	for _, f := range []string{"package-lock.json", filepath.Join("src", "cli.ts")} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	return nil
}

// moduleRoot returns the nearest folder at or above dir that holds go.mod.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or above it", dir)
		}
		d = parent
	}
}

// Subgraph is one subgraph of a suite, as /{id}/subgraphs lists it.
type Subgraph struct {
	Name string `json:"name"`
	// URL is where the subgraph answers GraphQL over HTTP POST, on the
	// audit's server.
	URL string `json:"url"`
	// SDL is the subgraph's schema as its authors wrote it (Federation v2
	// with @link, or Federation 1).
	SDL string `json:"sdl"`
}

// Case is one test of a suite: a query for the gateway and what its
// response must hold.
type Case struct {
	Query    string   `json:"query"`
	Expected Expected `json:"expected"`
}

// Expected is a case's expected response.
type Expected struct {
	// Data must equal the response's data (nil means null).
	Data json.RawMessage `json:"data"`
	// Errors, when set, says whether the response must carry a non-empty
	// errors list (true) or none (false); nil accepts either.
	Errors *bool `json:"errors"`
}

// requestTimeout bounds one request to the audit's server, to catch a hang;
// it answers in milliseconds.
const requestTimeout = 30 * time.Second

// IDs returns the suites' ids, in the server's order (sorted).
func (s *Server) IDs() ([]string, error) {
	var ids []string
	if err := s.getJSON("/ids", &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// Supergraph returns the suite's supergraph SDL, composed by Apollo's
// composition, with join__Graph URLs that point at this server's
// subgraphs.
func (s *Server) Supergraph(id string) (string, error) {
	b, err := s.get("/" + url.PathEscape(id) + "/supergraph")
	return string(b), err
}

// Subgraphs returns the suite's subgraphs.
func (s *Server) Subgraphs(id string) ([]Subgraph, error) {
	var subs []Subgraph
	if err := s.getJSON("/"+url.PathEscape(id)+"/subgraphs", &subs); err != nil {
		return nil, err
	}
	return subs, nil
}

// Tests returns the suite's cases, in the audit's order: a case's index in
// the slice is its number in the audit's reports.
func (s *Server) Tests(id string) ([]Case, error) {
	var cases []Case
	if err := s.getJSON("/"+url.PathEscape(id)+"/tests", &cases); err != nil {
		return nil, err
	}
	return cases, nil
}

func (s *Server) getJSON(path string, v any) error {
	b, err := s.get(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("fedaudit: GET %s%s: %w", s.URL, path, err)
	}
	return nil
}

// get returns the body of a GET of path, which must answer 200.
func (s *Server) get(path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	return getBody(ctx, s.client, s.URL+path)
}

func getBody(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fedaudit: GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fedaudit: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fedaudit: GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fedaudit: GET %s: HTTP %d: %s", u, resp.StatusCode, snippet(b))
	}
	return b, nil
}

// snippet returns the start of a body for an error message.
func snippet(b []byte) string {
	const max = 512
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/schema/compose"
)

// maxSDLBytes bounds a subgraph's _service answer.
const maxSDLBytes = 64 << 20

func newCompose() *cobra.Command {
	var (
		out     string
		urls    []string
		headers []string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "compose SUBGRAPH=URL_OR_FILE...",
		Short: "Compose Apollo Federation subgraphs into a supergraph",
		Long: `Compose reads each subgraph's SDL and prints the supergraph composed from
them, with the join__* directives a federation gateway plans by.

SUBGRAPH=URL reads the SDL by POSTing { _service { sdl } } to the URL, which is
also the subgraph's URL in the supergraph. SUBGRAPH=FILE reads it from a file;
its URL comes from --url SUBGRAPH=URL. --url also overrides a fetched
subgraph's URL.

Composition errors are printed one per line (FILE:LINE:COL: for a subgraph
read from a file) with Apollo Federation's error codes; hints on stderr.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("missing SUBGRAPH=URL_OR_FILE: name at least one subgraph")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			routing, err := nameValues("--url", urls)
			if err != nil {
				return err
			}
			hdr := http.Header{}
			for _, h := range headers {
				k, v, ok := strings.Cut(h, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return usagef("--header %q: want NAME: VALUE", h)
				}
				hdr.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			sources, err := subgraphSources(args, routing)
			if err != nil {
				return err
			}
			client := &http.Client{Timeout: timeout}
			subgraphs := make([]compose.Subgraph, len(sources))
			for i, s := range sources {
				sg, err := s.read(cmd.Context(), client, hdr)
				if err != nil {
					return err
				}
				subgraphs[i] = sg
			}
			res, err := compose.Compose(subgraphs)
			if err != nil {
				return composeError(err, sources)
			}
			for _, h := range res.Hints {
				fmt.Fprintln(cmd.ErrOrStderr(), "hint: "+h.String())
			}
			if out == "" {
				_, err := io.WriteString(cmd.OutOrStdout(), res.Supergraph)
				return err
			}
			if err := os.WriteFile(out, []byte(res.Supergraph), 0o644); err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %d subgraphs composed\n", out, len(subgraphs))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the supergraph to this file instead of stdout")
	cmd.Flags().StringArrayVar(&urls, "url", nil, "the URL of subgraph NAME in the supergraph: NAME=URL (repeatable; needed for a subgraph read from a file)")
	cmd.Flags().StringArrayVarP(&headers, "header", "H", nil, "a header for the _service requests: 'NAME: VALUE' (repeatable)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for each subgraph's SDL")
	return cmd
}

// nameValues reads repeated NAME=VALUE flag values.
func nameValues(flag string, values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" || value == "" {
			return nil, usagef("%s %q: want NAME=URL", flag, v)
		}
		if !isHTTPURL(value) {
			return nil, usagef("%s %q: %q is not an http(s) URL", flag, v, value)
		}
		if _, dup := out[name]; dup {
			return nil, usagef("%s %q: subgraph %q has a URL already", flag, v, name)
		}
		out[name] = value
	}
	return out, nil
}

// isHTTPURL says a value is an http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// subgraphSource is where one subgraph's SDL comes from.
type subgraphSource struct {
	name string
	// fetch is the URL to read the SDL from; file the file, when not.
	fetch, file string
	// url is the subgraph's URL in the supergraph.
	url string
}

// subgraphSources reads the SUBGRAPH=URL_OR_FILE arguments.
func subgraphSources(args []string, routing map[string]string) ([]subgraphSource, error) {
	seen := map[string]bool{}
	var out []subgraphSource
	for _, a := range args {
		name, src, ok := strings.Cut(a, "=")
		if !ok || name == "" || src == "" {
			return nil, usagef("%q: want SUBGRAPH=URL_OR_FILE", a)
		}
		if seen[name] {
			return nil, usagef("%q: subgraph %q is named twice", a, name)
		}
		seen[name] = true
		s := subgraphSource{name: name, url: routing[name]}
		if isHTTPURL(src) {
			s.fetch = src
			if s.url == "" {
				s.url = src
			}
		} else {
			s.file = src
			if s.url == "" {
				return nil, usagef("subgraph %q is read from the file %s, so the supergraph needs its URL: give it with --url %s=URL", name, src, name)
			}
		}
		out = append(out, s)
	}
	for name := range routing {
		if !seen[name] {
			return nil, usagef("--url %s=...: there is no subgraph %q to compose", name, name)
		}
	}
	return out, nil
}

// read reads the subgraph's SDL from its file or its _service field.
func (s subgraphSource) read(ctx context.Context, client *http.Client, hdr http.Header) (compose.Subgraph, error) {
	sg := compose.Subgraph{Name: s.name, URL: s.url}
	if s.file != "" {
		b, err := os.ReadFile(s.file)
		if err != nil {
			return sg, fmt.Errorf("subgraph %q: %w", s.name, err)
		}
		sg.SDL = string(b)
		return sg, nil
	}
	sdl, err := fetchSDL(ctx, client, s.fetch, hdr)
	if err != nil {
		return sg, fmt.Errorf("subgraph %q: reading its SDL from %s: %w", s.name, s.fetch, err)
	}
	sg.SDL = sdl
	return sg, nil
}

// fetchSDL asks a subgraph for its SDL with { _service { sdl } }.
func fetchSDL(ctx context.Context, client *http.Client, endpoint string, hdr http.Header) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader([]byte(`{"query":"{ _service { sdl } }"}`)))
	if err != nil {
		return "", err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := client.Do(req)
	if err != nil {
		// The caller names the URL already.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSDLBytes+1))
	if err != nil {
		return "", err
	}
	if len(body) > maxSDLBytes {
		return "", fmt.Errorf("the answer is over %d MiB", maxSDLBytes>>20)
	}
	var answer struct {
		Data *struct {
			Service *struct {
				SDL *string `json:"sdl"`
			} `json:"_service"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("the subgraph answered HTTP %d (%s): %s", resp.StatusCode, http.StatusText(resp.StatusCode), snippet(body))
		}
		return "", fmt.Errorf("the answer is not GraphQL JSON: %w: %s", err, snippet(body))
	}
	if len(answer.Errors) > 0 {
		msgs := make([]string, len(answer.Errors))
		for i, e := range answer.Errors {
			msgs[i] = e.Message
		}
		return "", fmt.Errorf("the subgraph answered with errors: %s", strings.Join(msgs, "; "))
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the subgraph answered HTTP %d (%s): %s", resp.StatusCode, http.StatusText(resp.StatusCode), snippet(body))
	}
	if answer.Data == nil || answer.Data.Service == nil || answer.Data.Service.SDL == nil {
		return "", errors.New("the answer has no data._service.sdl: is it a federation subgraph?")
	}
	return *answer.Data.Service.SDL, nil
}

// snippet is the start of a body, for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// composeError prints composition errors one per line, each error from a
// subgraph read from a file after its place in the file.
func composeError(err error, sources []subgraphSource) error {
	var errs compose.Errors
	if !errors.As(err, &errs) {
		return err
	}
	files := map[string]string{}
	for _, s := range sources {
		if s.file != "" {
			files[s.name] = s.file
		}
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		line := e.Error()
		if f, ok := files[e.Subgraph]; ok && e.Line > 0 {
			line = fmt.Sprintf("%s:%d:%d: %s", f, e.Line, e.Column, line)
		}
		lines[i] = line
	}
	noun := "errors"
	if len(errs) == 1 {
		noun = "error"
	}
	return fmt.Errorf("composition failed with %d %s:\n%s", len(errs), noun, strings.Join(lines, "\n"))
}

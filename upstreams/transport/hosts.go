package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/weft-gateway/weft/upstreams/hosts"
)

// HealthCheckOptions configure the active health checks of an upstream's
// hosts: GET <host><path> every interval, healthy when the answer's status
// is 2xx, or one of ExpectedStatuses when they are given.
type HealthCheckOptions struct {
	// Path (and query) probed on each host, such as /healthz.
	Path string `yaml:"path" weft:"required"`
	// ExpectedStatuses are the statuses of a healthy host (default: any
	// 2xx). Redirects are not followed: list a 3xx to accept it.
	ExpectedStatuses  []int `yaml:"expectedStatuses"`
	hosts.CheckTiming `yaml:",inline"`
}

// endpoint is one host: the scheme and host[:port] calls go to.
type endpoint struct {
	scheme, host string
}

func (e endpoint) String() string { return e.scheme + "://" + e.host }

// checkHosts validates the options about hosts (endpoints, healthCheck,
// outlierDetection), returning the endpoints.
func checkHosts(opts *Options) ([]endpoint, error) {
	var eps []endpoint
	seen := map[endpoint]int{}
	for i, raw := range opts.Endpoints {
		path := "endpoints[" + strconv.Itoa(i) + "]"
		ep, err := parseEndpoint(raw)
		if err != nil {
			return nil, &OptionError{Path: path, Err: err}
		}
		if j, ok := seen[ep]; ok {
			return nil, &OptionError{Path: path, Err: fmt.Errorf("%q is endpoints[%d] again", raw, j)}
		}
		seen[ep] = i
		eps = append(eps, ep)
	}
	if hc := opts.HealthCheck; hc != nil {
		if !strings.HasPrefix(hc.Path, "/") {
			return nil, &OptionError{Path: "healthCheck.path", Err: fmt.Errorf("%q: want a path from the host's root, such as /healthz", hc.Path)}
		}
		if u, err := url.Parse(hc.Path); err != nil || u.Host != "" || u.Fragment != "" {
			return nil, &OptionError{Path: "healthCheck.path", Err: fmt.Errorf("%q is not a path", hc.Path)}
		}
		for i, st := range hc.ExpectedStatuses {
			if st < 100 || st > 599 {
				return nil, &OptionError{Path: "healthCheck.expectedStatuses[" + strconv.Itoa(i) + "]", Err: fmt.Errorf("%d is not an HTTP status", st)}
			}
		}
		if field, err := hc.Check(); err != nil {
			return nil, &OptionError{Path: "healthCheck." + field, Err: err}
		}
	}
	if od := opts.OutlierDetection; od != nil {
		if field, err := od.Check(); err != nil {
			return nil, &OptionError{Path: "outlierDetection." + field, Err: err}
		}
	}
	return eps, nil
}

// parseEndpoint reads scheme://host[:port].
func parseEndpoint(raw string) (endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return endpoint{}, fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return endpoint{}, fmt.Errorf("%q: want scheme://host:port alone (the path comes from the kind's URL)", raw)
	}
	if _, port, err := net.SplitHostPort(u.Host); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return endpoint{}, fmt.Errorf("%q: port %q is not a port number", raw, port)
		}
	}
	return endpoint{scheme: u.Scheme, host: strings.ToLower(u.Host)}, nil
}

// startHosts builds the host set over eps and starts its health checks.
func (c *Client) startHosts(eps []endpoint) error {
	if len(eps) == 0 {
		return nil
	}
	var opts hosts.Options
	if hc := c.opts.HealthCheck; hc != nil && !c.opts.NoProbes {
		opts.HealthCheck = hc.HealthCheck(c.probe)
		c.probeHTTP = &http.Client{
			Transport: c.probeTransport(),
			// A redirect is the host's answer: a 3xx is healthy only
			// when listed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if od := c.opts.OutlierDetection; od != nil {
		opts.Outlier = od.Outlier()
	}
	addrs := make([]string, len(eps))
	for i, ep := range eps {
		addrs[i] = ep.String()
	}
	// Set before the first probe reads it.
	c.endpoints = eps
	set, err := hosts.New(addrs, opts)
	if err != nil {
		return fmt.Errorf("upstream %s: %w", c.name, err)
	}
	c.hosts = set
	return nil
}

// probeTransport is the probes' own pool of connections: sharing the
// calls' pool, a probe would wait behind calls for a connection when the
// upstream is busiest, and a host would turn unhealthy for being loaded.
func (c *Client) probeTransport() *http.Transport {
	base := c.http.Transport.(*http.Transport)
	tr := &http.Transport{
		Proxy:               base.Proxy,
		DialContext:         base.DialContext,
		TLSClientConfig:     base.TLSClientConfig,
		TLSHandshakeTimeout: base.TLSHandshakeTimeout,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     90 * time.Second,
	}
	return tr
}

// probe checks one host: GET <host><path>.
func (c *Client) probe(ctx context.Context, h *hosts.Host) error {
	hc := c.opts.HealthCheck
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoints[h.Index()].String()+hc.Path, nil)
	if err != nil {
		return err
	}
	for k, v := range c.headers {
		req.Header[k] = v
	}
	// A health endpoint behind the upstream's own credentials answers
	// probes too.
	c.auth.forProbe(req)
	req.Header.Set("User-Agent", "weft-health-check")
	resp, err := c.probeHTTP.Do(req)
	if err != nil {
		return err
	}
	// Read (a little of) the body so that the connection is reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if len(hc.ExpectedStatuses) == 0 {
		if resp.StatusCode/100 == 2 {
			return nil
		}
	} else {
		for _, st := range hc.ExpectedStatuses {
			if resp.StatusCode == st {
				return nil
			}
		}
	}
	return fmt.Errorf("HTTP %d", resp.StatusCode)
}

// SetURL names the URL the kind calls (a REST baseURL, a GraphQL url, a
// SOAP endpoint), before the first call. Without endpoints, its scheme and
// host are the upstream's one host, which healthCheck and
// outlierDetection, when configured, then watch: with one host neither can
// stop a call (see package hosts), but both show in HostStats. Calls to
// any other host (a SOAP port of its own) are not watched. With endpoints,
// SetURL does nothing: the URL's host is never called.
func (c *Client) SetURL(raw string) error {
	if len(c.opts.Endpoints) > 0 || c.opts.HealthCheck == nil && c.opts.OutlierDetection == nil {
		return nil
	}
	if c.hosts != nil {
		return errors.New("transport: SetURL called twice")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("upstream %s: %q is not an http(s) URL", c.name, raw)
	}
	ep := endpoint{scheme: u.Scheme, host: strings.ToLower(u.Host)}
	return c.startHosts([]endpoint{ep})
}

// URL returns raw, a URL of the kind's, as a call would send it: with
// endpoints, its scheme and host are a picked endpoint's. Control-path
// requests to the upstream itself (introspection) use it to reach a real
// host.
func (c *Client) URL(raw string) string {
	if len(c.opts.Endpoints) == 0 || c.hosts == nil {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	ep := c.endpoints[c.hosts.Pick().Index()]
	u.Scheme, u.Host = ep.scheme, ep.host
	return u.String()
}

// HostStats returns the state of the upstream's hosts, for metrics; no
// Hosts when none are watched (no endpoints, health check or outlier
// detection). It implements hosts.Reporter.
func (c *Client) HostStats() hosts.Stats {
	if c.hosts == nil {
		return hosts.Stats{}
	}
	return c.hosts.Stats()
}

// route sends req to its host: a picked endpoint, or, without endpoints,
// the one watched host when req goes there. It returns the host to report
// the call's outcome to, or nil.
func (c *Client) route(req *http.Request) *hosts.Host {
	if c.hosts == nil {
		return nil
	}
	if len(c.opts.Endpoints) > 0 {
		h := c.hosts.Pick()
		ep := &c.endpoints[h.Index()]
		req.URL.Scheme, req.URL.Host = ep.scheme, ep.host
		// The Host header follows the URL; NewRequest had set it to the
		// kind's URL's host.
		req.Host = ""
		return h
	}
	ep := &c.endpoints[0]
	if req.URL.Scheme == ep.scheme && strings.EqualFold(req.URL.Host, ep.host) {
		return c.hosts.Host(0)
	}
	return nil
}

// report records a call's outcome on its host. A failure after the caller
// gave up (its own deadline or cancellation, not the upstream's timeout)
// says nothing of the host.
func (c *Client) report(h *hosts.Host, caller context.Context, o hosts.Outcome) {
	if h == nil || o == hosts.Failure && caller.Err() != nil {
		return
	}
	c.hosts.Report(h, o)
}

// statusOutcome is what an answer's status says of its host: a 5xx is a
// failure, anything else (a 404, a 429) the host working.
func statusOutcome(status int) hosts.Outcome {
	if status >= 500 {
		return hosts.Failure
	}
	return hosts.Success
}

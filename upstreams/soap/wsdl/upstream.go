package wsdl

import (
	"sort"
	"strings"

	"github.com/weft-gateway/weft/internal/sdlwrite"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// UpstreamYAML returns the skeleton of an Upstream resource for the
// imported WSDL: where the WSDL is, the endpoint (the first port's
// address; an environment variable named after the upstream when the
// WSDL has none), and, commented out, the SOAP version override and
// WS-Security credentials read from the environment, and the soap:header
// parts the operations declare, to fill with soapHeaders.
func (r *Result) UpstreamYAML(name string) string {
	var b strings.Builder
	b.WriteString("apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: " + sdlwrite.JSONString(name) + "\nspec:\n  soap:\n")
	b.WriteString("    wsdl: " + sdlwrite.JSONString(r.WSDL) + "\n")
	endpoint := r.Endpoint
	if endpoint == "" {
		endpoint = "${" + envName(name) + "_ENDPOINT}"
	}
	b.WriteString("    endpoint: " + sdlwrite.JSONString(endpoint) + "\n")
	version := "1.1"
	for _, op := range r.Operations {
		if op.Skipped == "" && op.SOAPVersion == "1.2" {
			version = "1.2"
			break
		}
	}
	b.WriteString("    # soapVersion: " + sdlwrite.JSONString(version) + "   # as the WSDL's bindings say by default\n")
	env := envName(name)
	b.WriteString("    # wsSecurity:\n")
	b.WriteString("    #   username: " + sdlwrite.JSONString("${"+env+"_USERNAME}") + "\n")
	b.WriteString("    #   password: " + sdlwrite.JSONString("${"+env+"_PASSWORD}") + "\n")
	seen := map[string]bool{}
	var headers []string
	for _, op := range r.Operations {
		for _, h := range op.Headers {
			if op.Skipped == "" && !seen[h.Name] {
				seen[h.Name] = true
				headers = append(headers, h.Name)
			}
		}
	}
	if len(headers) > 0 {
		sort.Strings(headers)
		b.WriteString("    # soapHeaders:   # the soap:header parts the operations declare, as JSON text\n")
		for _, h := range headers {
			b.WriteString("    #   " + h + ": '{}'\n")
		}
	}
	return b.String()
}

// envName makes an environment variable name from s: its words,
// upper-cased and joined by "_".
func envName(s string) string {
	var b strings.Builder
	for _, w := range gqlname.Words(s) {
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(strings.ToUpper(w))
	}
	if b.Len() == 0 || gqlname.IsDigit(b.String()[0]) {
		return "X" + b.String()
	}
	return b.String()
}

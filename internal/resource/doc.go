// Package resource reads Weft's declarative config: YAML resources in the
// Kubernetes shape, checked strictly, with every error located.
//
// # Format
//
// A config is a directory of *.yaml or *.yml files (subdirectories
// included), each holding one or more YAML documents separated by "---".
// Each document is one resource:
//
//	apiVersion: weft.dev/v1
//	kind: Upstream
//	metadata:
//	  name: users            # DNS-1123 subdomain: lower case, digits, '-', '.'
//	  namespace: shop        # optional, DNS-1123 label
//	  labels: {team: core}   # optional, Kubernetes label syntax
//	  annotations: {}        # optional
//	spec:
//	  url: ${USERS_URL}
//	  timeout: ${USERS_TIMEOUT:-2s}
//
// apiVersion must be one of Options.APIVersions (by default APIVersion,
// "weft.dev/v1"). kind and metadata.name are required, and no other
// top-level or metadata keys are allowed. A kind, namespace and name may be
// defined once across the whole config. Empty documents are skipped.
//
// The package checks the envelope and keeps spec as a raw *yaml.Node: the
// package that owns a kind decodes it into its own struct with
// Document.DecodeSpec, which is strict (unknown fields, wrong types and
// missing required fields are errors) and understands time.Duration. A
// spec that two packages read (a loader's blocks shared by every kind, and
// the kind's own) is split with Document.SplitSpec, so that an unknown key
// is answered with every key either of them allows.
//
// # Environment variables
//
// When Options.Env is set, scalar values (never keys) are expanded before
// anything is decoded:
//
//	${VAR}           the value of VAR; an error if VAR is unset
//	${VAR:-default}  the value of VAR, or default if VAR is unset or empty
//	$$               a literal "$"
//
// Any other "$" is kept, so GraphQL variables such as $id need no escaping.
// An unquoted value is typed after expansion, so "port: ${PORT:-8080}" is an
// integer and "timeout: ${T:-2s}" a duration; a quoted one stays a string.
//
// # Errors
//
// Every error is an *Error printed as
//
//	file:line:column: field.path: message
//
// for example
//
//	upstreams.yaml:12:7: spec.routes[2].mathc: unknown field "mathc" (did you mean "match"?); allowed fields: match, upstream, timeout
//
// A YAML syntax error is placed where the parser found the problem, in the
// file rather than the document, and names the construct it was in:
//
//	routes.yaml:18:10: invalid YAML: did not find expected key (while parsing a block mapping at line 15, column 9)
//
// Field paths use dots for keys and brackets for list indexes; keys that are
// not plain identifiers are quoted: spec.headers["x.trace"]. Loading and
// decoding go on after an error and return all of them as Errors, sorted by
// file and position, one per line. Checks made later by other packages use
// Document.Errorf, which places an error at a field path with Document.Pos,
// so that "unknown upstream" reads like any other config error.
//
// # Limits
//
// Files over Options.MaxFileSize (DefaultMaxFileSize by default) are not
// read. The YAML parser bounds nesting at 10000 levels. Aliases are
// expanded while decoding, within a budget of a few times the number of
// nodes written in the document, so an alias bomb fails with an error after
// work linear in its size; an alias to a value that contains it is an
// error.
package resource

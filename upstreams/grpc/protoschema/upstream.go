package protoschema

import (
	"strings"

	"github.com/weft-gateway/weft/internal/sdlwrite"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// UpstreamYAML returns the skeleton of an Upstream resource for the
// imported services: its target ("host:port"; empty writes an environment
// variable named after the upstream) and where its descriptors come from,
// as the import found them: .proto files with their import paths, a
// descriptor set, or server reflection.
//
// The grpc block's shape is not final: the runtime that reads it is being
// written, and may rename these fields.
func (r *Result) UpstreamYAML(name, target string) string {
	var b strings.Builder
	b.WriteString("apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: " + sdlwrite.JSONString(name) + "\nspec:\n  grpc:\n")
	if target == "" {
		target = "${" + envName(name) + "_TARGET}"
	}
	b.WriteString("    target: " + sdlwrite.JSONString(target) + "\n")
	switch r.Origin.Kind {
	case OriginProto:
		b.WriteString("    proto:\n      files: " + yamlList(r.Origin.Files) + "\n")
		if len(r.Origin.ImportPaths) > 0 {
			b.WriteString("      importPaths: " + yamlList(r.Origin.ImportPaths) + "\n")
		}
	case OriginDescriptorSet:
		set := r.Origin.DescriptorSet
		if set == "" {
			set = "services.binpb"
		}
		b.WriteString("    descriptorSet: " + sdlwrite.JSONString(set) + "\n")
	default:
		b.WriteString("    reflection: true\n")
	}
	if len(r.Services) > 0 {
		b.WriteString("    # services: " + yamlList(r.Services) + "   # all of them by default\n")
	}
	return b.String()
}

func yamlList(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = sdlwrite.JSONString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
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

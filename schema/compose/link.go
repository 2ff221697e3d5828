package compose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// The federation directives, by their canonical names.
const (
	dirKey              = "key"
	dirExternal         = "external"
	dirRequires         = "requires"
	dirProvides         = "provides"
	dirShareable        = "shareable"
	dirOverride         = "override"
	dirInaccessible     = "inaccessible"
	dirTag              = "tag"
	dirExtends          = "extends"
	dirInterfaceObject  = "interfaceObject"
	dirComposeDirective = "composeDirective"
	dirAuthenticated    = "authenticated"
	dirRequiresScopes   = "requiresScopes"
	dirPolicy           = "policy"
	dirContext          = "context"
	dirFromContext      = "fromContext"
	dirCost             = "cost"
	dirListSize         = "listSize"
)

// fedVersion is a federation spec version, such as 2.3.
type fedVersion struct{ major, minor int }

func (v fedVersion) less(o fedVersion) bool {
	return v.major < o.major || (v.major == o.major && v.minor < o.minor)
}

func (v fedVersion) String() string { return fmt.Sprintf("v%d.%d", v.major, v.minor) }

// latestFederation is the newest federation spec version this package
// knows. A subgraph linking a newer one is refused rather than composed
// by rules that may no longer hold.
var latestFederation = fedVersion{2, 12}

// fedDirectives are the federation spec's directives and the version
// that introduced each.
var fedDirectives = map[string]fedVersion{
	dirKey:              {2, 0},
	dirExternal:         {2, 0},
	dirRequires:         {2, 0},
	dirProvides:         {2, 0},
	dirShareable:        {2, 0},
	dirOverride:         {2, 0},
	dirInaccessible:     {2, 0},
	dirTag:              {2, 0},
	dirExtends:          {2, 0},
	dirComposeDirective: {2, 1},
	dirInterfaceObject:  {2, 3},
	dirAuthenticated:    {2, 5},
	dirRequiresScopes:   {2, 5},
	dirPolicy:           {2, 6},
	dirContext:          {2, 8},
	dirFromContext:      {2, 8},
	dirCost:             {2, 9},
	dirListSize:         {2, 9},
}

// unsupported are federation directives this composition does not
// implement. A subgraph using one is refused: dropping an access-control
// directive such as @authenticated would open what the subgraph closed.
var unsupported = map[string]bool{
	dirComposeDirective: true,
	dirAuthenticated:    true,
	dirRequiresScopes:   true,
	dirPolicy:           true,
	dirContext:          true,
	dirFromContext:      true,
	dirCost:             true,
	dirListSize:         true,
}

// fed1Directives are the directives a Federation 1 subgraph (one without a
// federation @link) uses under their plain names.
var fed1Directives = []string{dirKey, dirExternal, dirRequires, dirProvides, dirExtends, dirTag, dirInaccessible}

const federationURLPrefix = "https://specs.apollo.dev/federation/"

// linkNames maps the federation directives between their canonical names
// and the names one subgraph uses for them.
type linkNames struct {
	fed2    bool
	version fedVersion
	// local maps a canonical name to the subgraph's name for it.
	local map[string]string
	// canon maps a subgraph's directive name to the canonical name.
	canon map[string]string
	// fieldSet is the name of the subgraph's field set scalar, which
	// composition drops with the rest of federation's own definitions.
	fieldSet string
	// namespace is the prefix of the federation elements not imported
	// ("federation__" unless the link says `as:`).
	namespace string
}

// resolveLinks reads the subgraph's schema @link directives and decides
// the name of each federation directive. A subgraph with no federation
// link is a Federation 1 subgraph.
func (sg *subgraph) resolveLinks(doc *ast.SchemaDocument) *linkNames {
	ln := &linkNames{local: map[string]string{}, canon: map[string]string{}}
	var link *ast.Directive
	for _, list := range []ast.SchemaDefinitionList{doc.Schema, doc.SchemaExtension} {
		for _, s := range list {
			for _, d := range s.Directives {
				if d.Name != "link" {
					continue
				}
				url := argString(d, "url")
				if !strings.HasPrefix(url, federationURLPrefix) {
					continue
				}
				if link != nil {
					sg.errorAt(CodeInvalidLinkDirectiveUsage, "", d.Position, "the schema links the federation spec twice")
					continue
				}
				link = d
			}
		}
	}
	if link == nil {
		ln.version = fedVersion{1, 0}
		for _, d := range fed1Directives {
			ln.local[d] = d
			ln.canon[d] = d
		}
		ln.fieldSet = "_FieldSet"
		return ln
	}
	ln.fed2 = true
	url := argString(link, "url")
	v, ok := parseFedVersion(strings.TrimPrefix(url, federationURLPrefix))
	if !ok || v.major != 2 || latestFederation.less(v) {
		sg.errorAt(CodeUnknownFederationLinkVersion, "", link.Position,
			fmt.Sprintf("unknown federation version in @link(url: %q): this composition knows v2.0 to %s", url, latestFederation))
		v = latestFederation
	}
	ln.version = v
	ns := "federation"
	if as := argString(link, "as"); as != "" {
		ns = strings.TrimPrefix(as, "@")
	}
	ln.namespace = ns + "__"
	imported := map[string]string{}
	if imp := link.Arguments.ForName("import"); imp != nil && imp.Value != nil {
		for _, item := range imp.Value.Children {
			name, as := importItem(item.Value)
			if name == "" {
				sg.errorAt(CodeInvalidLinkDirectiveUsage, "", item.Value.Position,
					"an @link import is a string such as \"@key\" or an object such as { name: \"@key\", as: \"@primaryKey\" }")
				continue
			}
			if !strings.HasPrefix(name, "@") {
				// A type (FieldSet, Scope, ...): only the field set scalar
				// matters, so that its definition can be dropped.
				if name == "FieldSet" {
					if as == "" {
						as = name
					}
					ln.fieldSet = as
				}
				continue
			}
			canon := strings.TrimPrefix(name, "@")
			since, known := fedDirectives[canon]
			if !known {
				sg.errorAt(CodeInvalidLinkDirectiveUsage, "", item.Value.Position,
					fmt.Sprintf("cannot import unknown federation directive %s", name))
				continue
			}
			if v.less(since) {
				sg.errorAt(CodeInvalidLinkDirectiveUsage, "", item.Value.Position,
					fmt.Sprintf("%s is not in federation %s (it was added in %s): link a newer version", name, v, since))
				continue
			}
			if as == "" {
				as = name
			}
			if !strings.HasPrefix(as, "@") {
				sg.errorAt(CodeInvalidLinkDirectiveUsage, "", item.Value.Position,
					fmt.Sprintf("%s is imported as %q: a directive's new name starts with @ too", name, as))
				continue
			}
			imported[canon] = strings.TrimPrefix(as, "@")
		}
	}
	if ln.fieldSet == "" {
		ln.fieldSet = ln.namespace + "FieldSet"
	}
	for canon, since := range fedDirectives {
		if v.less(since) {
			continue
		}
		local, ok := imported[canon]
		if !ok {
			local = ln.namespace + canon
		}
		ln.local[canon] = local
		ln.canon[local] = canon
	}
	return ln
}

// importItem reads one element of @link(import:): "@key" or
// { name: "@key", as: "@primaryKey" }.
func importItem(v *ast.Value) (name, as string) {
	if v == nil {
		return "", ""
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return v.Raw, ""
	case ast.ObjectValue:
		for _, c := range v.Children {
			if c.Value == nil || (c.Value.Kind != ast.StringValue && c.Value.Kind != ast.BlockValue) {
				return "", ""
			}
			switch c.Name {
			case "name":
				name = c.Value.Raw
			case "as":
				as = c.Value.Raw
			default:
				return "", ""
			}
		}
		return name, as
	}
	return "", ""
}

// parseFedVersion reads "v2.3".
func parseFedVersion(s string) (fedVersion, bool) {
	s, ok := strings.CutPrefix(s, "v")
	if !ok {
		return fedVersion{}, false
	}
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return fedVersion{}, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || a < 0 || b < 0 {
		return fedVersion{}, false
	}
	return fedVersion{a, b}, true
}

// argString is a directive's string argument, "" when absent or not a
// string.
func argString(d *ast.Directive, name string) string {
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return ""
	}
	if a.Value.Kind != ast.StringValue && a.Value.Kind != ast.BlockValue {
		return ""
	}
	return a.Value.Raw
}

// argBool is a directive's boolean argument and whether it was given.
func argBool(d *ast.Directive, name string) (value, given bool) {
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil || a.Value.Kind != ast.BooleanValue {
		return false, false
	}
	return a.Value.Raw == "true", true
}

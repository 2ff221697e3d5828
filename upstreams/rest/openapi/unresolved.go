package openapi

import (
	"fmt"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/orderedmap"
)

// unresolvedRef is the marker the loader's stand-in puts where a $ref
// points into a file that cannot be read (see closure).
type unresolvedRef struct {
	file, pointer, why string
}

// unresolvedIn returns the marker among a part's extensions, nil when the
// part is a real one.
func unresolvedIn(ext *orderedmap.Map[string, *yaml.Node]) *unresolvedRef {
	if ext == nil {
		return nil
	}
	n, ok := ext.Get(unresolvedKey)
	if !ok || n == nil {
		return nil
	}
	u := &unresolvedRef{why: "it cannot be read"}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch v := n.Content[i+1].Value; n.Content[i].Value {
			case "file":
				u.file = v
			case "pointer":
				u.pointer = v
			case "why":
				u.why = v
			}
		}
	}
	return u
}

// describe says which $ref cannot be followed and why, naming the file as
// warnings do.
func (im *importer) describe(u *unresolvedRef) string {
	target := im.doc.displayName(u.file)
	if u.pointer != "" {
		target += "#" + u.pointer
	}
	return fmt.Sprintf("$ref %s cannot be followed (%s)", target, u.why)
}

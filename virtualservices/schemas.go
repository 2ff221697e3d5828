package virtualservices

import (
	"context"

	"github.com/weft-gateway/weft/schema"
)

// Schemas builds the unified schema of every VirtualService in cfg, by
// name, without serving them: what a schema registry's check compares
// before and after a change to one of their sources. A VirtualService's
// schema is its first GraphQL route's, as Snapshot.API has it.
//
// cfg.FS may be any file system, such as the files of a push held in
// memory (fstest.MapFS) with OSDir empty; the kinds then read every file
// through it, and an OpenAPI document must be a single file. Upstreams are
// built as `weft validate` builds them (they send nothing on their own,
// though a gRPC upstream without .proto files still asks its server by
// reflection) and closed before Schemas returns; the schemas stay valid.
// Errors are Load's: every problem, at its file and line.
func (l *Loader) Schemas(ctx context.Context, cfg Config) (map[string]*schema.Schema, error) {
	in, err := l.Inspect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return in.Schemas, nil
}

// Inspection is what Inspect learns of a config without serving it.
type Inspection struct {
	// Schemas are the VirtualServices' unified schemas, by name.
	Schemas map[string]*schema.Schema
	// Sources are the files of each resource, by "Kind/name" (see
	// Snapshot.Sources).
	Sources map[string][]string
	// Warnings are the config's warnings (see Snapshot.Warnings).
	Warnings []string
}

// Inspect builds cfg as Schemas does and returns the schemas with the
// files each resource is made of.
func (l *Loader) Inspect(ctx context.Context, cfg Config) (*Inspection, error) {
	check := &Loader{Kinds: l.Kinds, Log: l.Log, Checking: true}
	snap, err := check.Load(ctx, cfg, nil)
	if err != nil {
		return nil, err
	}
	defer CloseSnapshot(snap)
	out := &Inspection{Schemas: make(map[string]*schema.Schema, len(snap.names)), Sources: snap.sources, Warnings: snap.Warnings()}
	for _, name := range snap.names {
		if api := snap.apis[name]; api != nil {
			out.Schemas[name] = api.Schema
		}
	}
	return out, nil
}

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
	check := &Loader{Kinds: l.Kinds, Log: l.Log, Checking: true}
	snap, err := check.Load(ctx, cfg, nil)
	if err != nil {
		return nil, err
	}
	defer CloseSnapshot(snap)
	out := make(map[string]*schema.Schema, len(snap.names))
	for _, name := range snap.names {
		if api := snap.apis[name]; api != nil {
			out[name] = api.Schema
		}
	}
	return out, nil
}

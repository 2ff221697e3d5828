package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/virtualservices"
)

// storeFlagUsage describes --store wherever a command takes it.
const storeFlagUsage = "the registry's store: a postgres:// URL (shared by replicas) or the path of a SQLite file (made if missing)"

// storeHooks are the hooks of every store the process opens. Only the
// tests set them, to kill a process in the middle of a push.
var storeHooks store.Hooks

// openRegistryStore opens the store dsn names: PostgreSQL for a
// postgres:// or postgresql:// URL, else a SQLite file at that path.
func openRegistryStore(ctx context.Context, dsn string, log zerolog.Logger) (*store.Store, error) {
	opts := store.Options{Log: log, Hooks: storeHooks}
	var (
		s   *store.Store
		err error
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err = store.OpenPostgres(ctx, dsn, opts)
	} else {
		s, err = store.OpenSQLite(ctx, dsn, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("--store: %w", err)
	}
	return s, nil
}

// usageSink records a gateway's usage counts in the registry's store.
type usageSink struct{ s *store.Store }

var _ virtualservices.UsageSink = usageSink{}

// RecordUsage implements virtualservices.UsageSink. A window's counts go
// in the store's hour of its end.
func (u usageSink) RecordUsage(ctx context.Context, rs []virtualservices.UsageRecord) error {
	out := make([]store.UsageRecord, len(rs))
	for i, r := range rs {
		out[i] = store.UsageRecord{Signature: r.Signature, OperationName: r.OperationName, VirtualService: r.VirtualService,
			Coordinates: r.Coordinates, Count: r.Count, Time: r.End}
	}
	return u.s.RecordUsage(ctx, out)
}

// redactDSN hides a PostgreSQL URL's password in messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

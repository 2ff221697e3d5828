package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// usageBucket is the span usage is counted in.
const usageBucket = time.Hour

// rowsPerUpsert is how many rows one INSERT of usage writes: few round
// trips for a large batch, but not many parameters, since SQLite finds
// each $n by a search through the statement's parameters and a statement
// of 1,000 spent most of a flush on that (BenchmarkRecordUsage).
const rowsPerUpsert = 50

// maxCoordinatesPerQuery caps the coordinates one query of Usage names;
// more are asked in several queries.
const maxCoordinatesPerQuery = 500

type opKey struct {
	vs, sig string
	bucket  time.Time
}

type coordKey struct {
	vs, coord string
	bucket    time.Time
	sig       string
}

// RecordUsage adds a batch of usage records, in one transaction: each
// record's count is added to its operation's count for its hour, and to
// each of its coordinates' counts for that operation and hour. Records of
// the same operation and hour are merged first, and a record's repeated
// coordinates count once.
func (s *Store) RecordUsage(ctx context.Context, records []UsageRecord) error {
	ops := map[opKey]int64{}
	names := map[opKey]string{}
	coords := map[coordKey]int64{}
	now := s.clock()
	for i, r := range records {
		if err := checkUsage(i, r); err != nil {
			return fmt.Errorf("record usage: %w", err)
		}
		t := r.Time
		if t.IsZero() {
			t = now
		}
		ok := opKey{vs: r.VirtualService, sig: r.Signature, bucket: t.UTC().Truncate(usageBucket)}
		ops[ok] += r.Count
		names[ok] = r.OperationName // the last record's name wins
		seen := make(map[string]bool, len(r.Coordinates))
		for _, c := range r.Coordinates {
			if seen[c] {
				continue
			}
			seen[c] = true
			coords[coordKey{vs: ok.vs, coord: c, bucket: ok.bucket, sig: ok.sig}] += r.Count
		}
	}
	if len(ops) == 0 {
		return nil
	}
	// Rows are written in key order, so that two batches upserting the
	// same rows lock them in the same order and cannot deadlock.
	opKeys := slices.SortedFunc(func(yield func(opKey) bool) {
		for k := range ops {
			if !yield(k) {
				return
			}
		}
	}, func(a, b opKey) int {
		return cmp.Or(strings.Compare(a.vs, b.vs), strings.Compare(a.sig, b.sig), a.bucket.Compare(b.bucket))
	})
	coordKeys := slices.SortedFunc(func(yield func(coordKey) bool) {
		for k := range coords {
			if !yield(k) {
				return
			}
		}
	}, func(a, b coordKey) int {
		return cmp.Or(strings.Compare(a.vs, b.vs), strings.Compare(a.coord, b.coord),
			a.bucket.Compare(b.bucket), strings.Compare(a.sig, b.sig))
	})

	err := s.update(ctx, func(tx txn) error {
		for len(opKeys) > 0 {
			chunk := opKeys[:min(len(opKeys), rowsPerUpsert)]
			opKeys = opKeys[len(chunk):]
			var q strings.Builder
			q.WriteString("INSERT INTO usage_operations (virtual_service, signature, bucket, name, count) VALUES ")
			args := make([]any, 0, 5*len(chunk))
			for i, k := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
				args = append(args, k.vs, k.sig, k.bucket, names[k], ops[k])
			}
			q.WriteString(` ON CONFLICT (virtual_service, signature, bucket)
				DO UPDATE SET count = usage_operations.count + excluded.count, name = excluded.name`)
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("counting operations: %w", err)
			}
		}
		for len(coordKeys) > 0 {
			chunk := coordKeys[:min(len(coordKeys), rowsPerUpsert)]
			coordKeys = coordKeys[len(chunk):]
			var q strings.Builder
			q.WriteString("INSERT INTO usage_coordinates (virtual_service, coordinate, bucket, signature, count) VALUES ")
			args := make([]any, 0, 5*len(chunk))
			for i, k := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
				args = append(args, k.vs, k.coord, k.bucket, k.sig, coords[k])
			}
			q.WriteString(` ON CONFLICT (virtual_service, coordinate, bucket, signature)
				DO UPDATE SET count = usage_coordinates.count + excluded.count`)
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("counting coordinates: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record usage: %w", err)
	}
	return nil
}

// checkUsage checks records[i].
func checkUsage(i int, r UsageRecord) error {
	const max = 1024
	bad := func(field, reason string) error {
		return &InputError{Field: fmt.Sprintf("records[%d].%s", i, field), Reason: reason}
	}
	switch {
	case r.Signature == "":
		return bad("Signature", "is empty")
	case r.VirtualService == "":
		return bad("VirtualService", "is empty")
	case r.Count <= 0:
		return bad("Count", fmt.Sprintf("%d is not positive", r.Count))
	}
	fields := map[string]string{"Signature": r.Signature, "VirtualService": r.VirtualService, "OperationName": r.OperationName}
	for j, c := range r.Coordinates {
		if c == "" {
			return bad(fmt.Sprintf("Coordinates[%d]", j), "is empty")
		}
		fields[fmt.Sprintf("Coordinates[%d]", j)] = c
	}
	for _, f := range sortedKeys(fields) {
		if err := checkText(fields[f], max); err != nil {
			return bad(f, err.Error())
		}
	}
	return nil
}

// Usage returns the operations of virtualService that ran since since (in
// whole hours: the hour holding since counts) and touched any of
// coordinates, most run first; with no coordinates, every operation that
// ran. Each names the asked coordinates it touched.
func (s *Store) Usage(ctx context.Context, virtualService string, coordinates []string, since time.Time) ([]OperationUsage, error) {
	from := since.UTC().Truncate(usageBucket)
	byOp := map[string]*OperationUsage{}
	err := s.read(ctx, func(tx txn) error {
		clear(byOp)
		if len(coordinates) > 0 {
			want := slices.Compact(slices.Sorted(slices.Values(coordinates)))
			for len(want) > 0 {
				chunk := want[:min(len(want), maxCoordinatesPerQuery)]
				want = want[len(chunk):]
				if err := usageOfCoordinates(ctx, tx, virtualService, from, chunk, byOp); err != nil {
					return err
				}
			}
			if len(byOp) == 0 {
				return nil
			}
		}
		return usageOfOperations(ctx, tx, virtualService, from, len(coordinates) == 0, byOp)
	})
	if err != nil {
		return nil, fmt.Errorf("usage of %s: %w", virtualService, err)
	}
	out := make([]OperationUsage, 0, len(byOp))
	for _, u := range byOp {
		slices.SortFunc(u.Coordinates, func(a, b CoordinateCount) int { return strings.Compare(a.Coordinate, b.Coordinate) })
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b OperationUsage) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Signature, b.Signature))
	})
	return out, nil
}

// usageOfCoordinates adds to byOp each operation that touched one of
// coords, with its count per coordinate.
func usageOfCoordinates(ctx context.Context, tx txn, vs string, from time.Time, coords []string, byOp map[string]*OperationUsage) error {
	args := []any{vs, from}
	var in strings.Builder
	for i, c := range coords {
		if i > 0 {
			in.WriteString(", ")
		}
		args = append(args, c)
		fmt.Fprintf(&in, "$%d", len(args))
	}
	rs, err := tx.query(ctx, `
		SELECT signature, coordinate, SUM(count) FROM usage_coordinates
		WHERE virtual_service = $1 AND bucket >= $2 AND coordinate IN (`+in.String()+`)
		GROUP BY signature, coordinate`, args...)
	if err != nil {
		return fmt.Errorf("reading coordinate counts: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var sig string
		var cc CoordinateCount
		if err := rs.Scan(&sig, &cc.Coordinate, &cc.Count); err != nil {
			return fmt.Errorf("reading coordinate counts: %w", err)
		}
		u := byOp[sig]
		if u == nil {
			u = &OperationUsage{Signature: sig}
			byOp[sig] = u
		}
		u.Coordinates = append(u.Coordinates, cc)
	}
	return rs.Err()
}

// usageOfOperations fills in the name and count of each operation in byOp,
// or of every operation that ran when all is set.
func usageOfOperations(ctx context.Context, tx txn, vs string, from time.Time, all bool, byOp map[string]*OperationUsage) error {
	// The latest bucket's name is the operation's; rows come newest first.
	rs, err := tx.query(ctx, `
		SELECT signature, name, count FROM usage_operations
		WHERE virtual_service = $1 AND bucket >= $2
		ORDER BY signature, bucket DESC`, vs, from)
	if err != nil {
		return fmt.Errorf("reading operation counts: %w", err)
	}
	defer rs.Close()
	named := map[string]bool{}
	for rs.Next() {
		var sig, name string
		var n int64
		if err := rs.Scan(&sig, &name, &n); err != nil {
			return fmt.Errorf("reading operation counts: %w", err)
		}
		u := byOp[sig]
		if u == nil {
			if !all {
				continue
			}
			u = &OperationUsage{Signature: sig}
			byOp[sig] = u
		}
		if !named[sig] {
			u.Name, named[sig] = name, true
		}
		u.Count += n
	}
	return rs.Err()
}

// PruneUsage deletes the usage counted in hours that ended before before,
// and returns how many rows it deleted: recorded usage grows by the hour,
// and a check looks back a bounded window.
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int64, error) {
	cut := before.UTC().Truncate(usageBucket)
	var n int64
	err := s.update(ctx, func(tx txn) error {
		a, err := tx.exec(ctx, "DELETE FROM usage_operations WHERE bucket < $1", cut)
		if err != nil {
			return err
		}
		b, err := tx.exec(ctx, "DELETE FROM usage_coordinates WHERE bucket < $1", cut)
		n = a + b
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune usage: %w", err)
	}
	return n, nil
}

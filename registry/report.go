package registry

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/schema/diff"
)

// Report is what a check found: each VirtualService's schema changes
// between the config before and after a change, the recorded operations
// each risky change concerns, and which breaking changes are approved.
// `weft check --format json` prints it; the registry's API returns it.
type Report struct {
	// Subject is the subject the change is to, in a check by the
	// registry; empty offline.
	Subject string `json:"subject,omitempty"`
	// Revision is the store's revision the change was checked against,
	// in a check by the registry.
	Revision int64 `json:"revision,omitempty"`
	// Replaced maps each config path the change replaced to where the new
	// content came from (a local file, or the path a client sent).
	Replaced map[string]string `json:"replaced"`
	// VirtualServices holds each VirtualService's changes, in the order
	// schema/diff gives them, by name; a VirtualService whose schema did
	// not change has none.
	VirtualServices map[string][]Change `json:"virtualServices"`
	// Breaking counts the breaking changes, a VirtualService that no
	// longer builds a schema included.
	Breaking int `json:"breaking"`
	// Approved counts the breaking changes an approval lets through.
	Approved int `json:"approved,omitempty"`
	// Removed and Added are the VirtualServices the change made vanish
	// (each a breaking change) or appear.
	Removed []string `json:"removedVirtualServices,omitempty"`
	Added   []string `json:"addedVirtualServices,omitempty"`
}

// Change is a schema change and what is known of its consequences.
type Change struct {
	diff.Change
	// Operations are the recorded operations the change concerns, most
	// run first (breaking and dangerous changes only, with usage read).
	Operations []OperationUse `json:"operations,omitempty"`
	// Approval is what lets this breaking change through, if anything.
	Approval *store.Approval `json:"approval,omitempty"`
	// Lapsed is an approval of this breaking change that no longer lets
	// it through (it expired, or an earlier push spent it), when no
	// active one does: the change needs approving again.
	Lapsed *store.Approval `json:"lapsedApproval,omitempty"`
}

// OperationUse is a recorded operation and how often it ran in a window.
type OperationUse struct {
	Signature string `json:"signature"`
	Name      string `json:"name"`
	Count     int64  `json:"count"`
}

// Compare diffs each VirtualService's schema before and after a change.
// A VirtualService missing after is removed (breaking); one missing
// before is added.
func Compare(before, after map[string]*ast.Schema) *Report {
	rep := &Report{Replaced: map[string]string{}, VirtualServices: map[string][]Change{}}
	for name, old := range before {
		nw := after[name]
		if nw == nil {
			rep.Removed = append(rep.Removed, name)
			rep.Breaking++
			continue
		}
		changes := []Change{}
		for _, c := range diff.Compare(old, nw) {
			changes = append(changes, Change{Change: c})
			if c.Severity == diff.Breaking {
				rep.Breaking++
			}
		}
		rep.VirtualServices[name] = changes
	}
	for name := range after {
		if before[name] == nil {
			rep.Added = append(rep.Added, name)
		}
	}
	slices.Sort(rep.Removed)
	slices.Sort(rep.Added)
	return rep
}

// Unapproved counts the breaking changes no approval lets through.
func (r *Report) Unapproved() int { return r.Breaking - r.Approved }

// UsageReader reads recorded usage; *store.Store is one.
type UsageReader interface {
	Usage(ctx context.Context, virtualService string, coordinates []string, since time.Time) ([]store.OperationUsage, error)
}

var _ UsageReader = (*store.Store)(nil)

// AddUsage names, under each breaking or dangerous change, the operations
// recorded since then that touch a coordinate the change affects.
func (r *Report) AddUsage(ctx context.Context, u UsageReader, since time.Time) error {
	for _, vs := range slices.Sorted(maps.Keys(r.VirtualServices)) {
		changes := r.VirtualServices[vs]
		var coords []string
		for _, c := range changes {
			if c.Severity != diff.Safe {
				coords = append(coords, c.Affects...)
			}
		}
		if len(coords) == 0 {
			continue
		}
		slices.Sort(coords)
		ops, err := u.Usage(ctx, vs, slices.Compact(coords), since)
		if err != nil {
			return fmt.Errorf("reading recorded usage of virtual service %s: %w", vs, err)
		}
		for i := range changes {
			c := &changes[i]
			if c.Severity == diff.Safe {
				continue
			}
			for _, op := range ops {
				if touchesAny(op.Coordinates, c.Affects) {
					c.Operations = append(c.Operations, OperationUse{Signature: op.Signature, Name: op.Name, Count: op.Count})
				}
			}
			slices.SortFunc(c.Operations, func(a, b OperationUse) int {
				return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Signature, b.Signature))
			})
		}
	}
	return nil
}

func touchesAny(used []store.CoordinateCount, affects []string) bool {
	for _, u := range used {
		if slices.Contains(affects, u.Coordinate) {
			return true
		}
	}
	return false
}

// applyApprovals marks each breaking change an active approval names (by
// coordinate and class) as approved, and notes on the others an approval
// of theirs that lapsed. A VirtualService that no longer builds has no
// coordinate, so no approval covers it.
func (r *Report) applyApprovals(approvals []store.Approval) {
	if len(approvals) == 0 {
		return
	}
	for _, changes := range r.VirtualServices {
		for i := range changes {
			c := &changes[i]
			if c.Severity != diff.Breaking || c.Approval != nil {
				continue
			}
			for _, a := range approvals {
				if a.Coordinate != c.Coordinate || a.Class != string(c.Class) {
					continue
				}
				if a.State == store.ApprovalActive {
					c.Approval = &a
					r.Approved++
				} else {
					c.Lapsed = &a
				}
				break
			}
		}
	}
}

// approvalsUsed returns the approvals that let the report's breaking
// changes through, each once (one may let the same change through in
// several VirtualServices), for a push to spend.
func (r *Report) approvalsUsed() []store.Approval {
	var out []store.Approval
	seen := map[[2]string]bool{}
	for _, vs := range slices.Sorted(maps.Keys(r.VirtualServices)) {
		for _, c := range r.VirtualServices[vs] {
			if a := c.Approval; a != nil && !seen[[2]string{a.Coordinate, a.Class}] {
				seen[[2]string{a.Coordinate, a.Class}] = true
				out = append(out, *a)
			}
		}
	}
	return out
}

// lapse says in words why approval a no longer applies.
func lapse(a *store.Approval) string {
	if a.State == store.ApprovalSpent {
		return fmt.Sprintf("its approval by %s was spent by version %d", a.ApprovedBy, a.SpentVersion)
	}
	return fmt.Sprintf("its approval by %s expired at %s", a.ApprovedBy, a.ExpiresAt.UTC().Format(time.RFC3339))
}

// Summary says in one line what a refusal for breaking changes refused:
// the count, then the first few unapproved changes.
func (r *Report) Summary() string {
	const shown = 5
	var b strings.Builder
	fmt.Fprintf(&b, "%d breaking change(s) not approved", r.Unapproved())
	n := 0
	for _, vs := range r.Removed {
		if n == shown {
			break
		}
		sep(&b, n)
		fmt.Fprintf(&b, "virtual service %s no longer builds a schema", vs)
		n++
	}
	for _, vs := range slices.Sorted(maps.Keys(r.VirtualServices)) {
		for _, c := range r.VirtualServices[vs] {
			if c.Severity != diff.Breaking || c.Approval != nil || n == shown {
				continue
			}
			sep(&b, n)
			fmt.Fprintf(&b, "%s %s in %s", c.Class, c.Coordinate, vs)
			if c.Lapsed != nil {
				fmt.Fprintf(&b, " (%s)", lapse(c.Lapsed))
			}
			n++
		}
	}
	if more := r.Unapproved() - n; more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	return b.String()
}

func sep(b *strings.Builder, n int) {
	if n == 0 {
		b.WriteString(": ")
	} else {
		b.WriteString("; ")
	}
}

// WriteText prints the report as `weft check` does: each VirtualService's
// changes, one per line, each with the operations it concerns and its
// approval, then the VirtualServices removed and added.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	for _, n := range slices.Sorted(maps.Keys(r.VirtualServices)) {
		changes := r.VirtualServices[n]
		if len(changes) == 0 {
			fmt.Fprintf(&b, "virtual service %s: no change\n", n)
			continue
		}
		fmt.Fprintf(&b, "virtual service %s: %d change(s)\n", n, len(changes))
		for _, c := range changes {
			fmt.Fprintf(&b, "  %s\n", c.Change)
			for _, op := range c.Operations {
				name := op.Name
				if name == "" {
					name = "(anonymous)"
				}
				fmt.Fprintf(&b, "    used by operation %s (%s): %d run(s)\n", name, op.Signature, op.Count)
			}
			if a := c.Approval; a != nil {
				fmt.Fprintf(&b, "    approved by %s", a.ApprovedBy)
				if a.Reason != "" {
					fmt.Fprintf(&b, ": %s", a.Reason)
				}
				b.WriteByte('\n')
			}
			if a := c.Lapsed; a != nil {
				fmt.Fprintf(&b, "    not approved: %s; approve it again to let it through\n", lapse(a))
			}
		}
	}
	for _, n := range r.Removed {
		fmt.Fprintf(&b, "virtual service %s: BREAKING: it no longer builds a schema\n", n)
	}
	for _, n := range r.Added {
		fmt.Fprintf(&b, "virtual service %s: new\n", n)
	}
	switch {
	case r.Breaking == 0:
		b.WriteString("no breaking change\n")
	case r.Unapproved() == 0:
		fmt.Fprintf(&b, "%d breaking change(s), each approved\n", r.Breaking)
	}
	_, err := w.Write(b.Bytes())
	return err
}

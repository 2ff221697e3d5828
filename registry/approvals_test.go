package registry_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// clock is a store's clock that a test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestApprovalLifecycle follows an approval through its states on both
// stores: it expires, a push it lets through spends it, and a push that
// needs it again is refused saying why.
func TestApprovalLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(testing.TB, store.Options) *store.Store) {
		clk := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
		st := newStore(t, store.Options{Now: clk.Now})
		f := newFixture(t, st)
		breaking := registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets",
			Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, `"tag": {"type": "integer"}`)}}}
		approval := store.Approval{Subject: "Upstream/pets", Coordinate: "Pet.tag", Class: "FIELD_TYPE_CHANGED", Reason: "no client reads tag"}
		refusedFor := func(want string) {
			t.Helper()
			_, err := f.svc.Push(ctx(t), f.pusher, breaking)
			var e *registry.Error
			if code(err) != registry.CodeBreakingChanges || !strings.Contains(err.Error(), want) || !errors.As(err, &e) || e.Report.VirtualServices["api"][0].Lapsed == nil {
				t.Fatalf("push = %v; want BREAKING_CHANGES saying %q, with the lapsed approval in the report", err, want)
			}
		}

		a, err := f.svc.Approve(ctx(t), f.pusher, approval, time.Hour)
		if err != nil || a.State != store.ApprovalActive || !a.ExpiresAt.Equal(clk.Now().Add(time.Hour)) {
			t.Fatalf("Approve for an hour = %+v, %v", a, err)
		}
		for _, ttl := range []time.Duration{-time.Second, store.MaxApprovalTTL + time.Second} {
			if _, err := f.svc.Approve(ctx(t), f.pusher, approval, ttl); code(err) != registry.CodeBadInput {
				t.Errorf("Approve for %v: %v; want BAD_INPUT", ttl, err)
			}
		}

		// An hour on it has expired: a check says so, a push is refused.
		clk.add(time.Hour)
		rep, err := f.svc.Check(ctx(t), f.pusher, breaking.CheckRequest)
		if err != nil {
			t.Fatal(err)
		}
		c := rep.VirtualServices["api"][0]
		if rep.Approved != 0 || c.Approval != nil || c.Lapsed == nil || c.Lapsed.State != store.ApprovalExpired {
			t.Fatalf("check with an expired approval: %+v, change %+v; want it unapproved, the expired approval noted", rep, c)
		}
		var text strings.Builder
		if err := rep.WriteText(&text); err != nil || !strings.Contains(text.String(), "    not approved: its approval by ci-pets expired at 2025-03-01T13:00:00Z; approve it again to let it through\n") {
			t.Errorf("the check as text:\n%s(%v)", text.String(), err)
		}
		refusedFor("FIELD_TYPE_CHANGED Pet.tag in api (its approval by ci-pets expired at 2025-03-01T13:00:00Z)")

		// Approved again, the push goes through and spends it.
		if _, err := f.svc.Approve(ctx(t), f.pusher, approval, 0); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.Push(ctx(t), f.pusher, breaking)
		if err != nil || res.Version.Number != 2 || res.Report.Approved != 1 {
			t.Fatalf("approved push = %+v, %v", res, err)
		}
		list, err := f.svc.Approvals(ctx(t), f.reader, "Upstream/pets")
		if err != nil || len(list) != 1 || list[0].State != store.ApprovalSpent || list[0].SpentVersion != 2 || !list[0].SpentAt.Equal(clk.Now()) {
			t.Fatalf("Approvals after the push = %+v, %v; want it spent by version 2", list, err)
		}

		// Rolled back, the same break needs a new look.
		if _, err := f.svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 1, "tag broke the app"); err != nil {
			t.Fatal(err)
		}
		refusedFor("FIELD_TYPE_CHANGED Pet.tag in api (its approval by ci-pets was spent by version 2)")
	})
}

package registry

// The cap on the audit log's refusals of anonymous requests: a client
// with no token may send as many bad requests as it likes, and must not
// be able to fill the store with them.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/weft-gateway/weft/registry/store"
)

// Anonymous is the actor of a refusal whose request had no token that
// authenticates.
const Anonymous = "anonymous"

// Audit actions of refusals the Service does not make itself.
const (
	// AuditRequest is a request refused before it reached a call of the
	// Service (a body that is not JSON, a query that does not parse), as
	// the API reports it through AuditRequestRefusal.
	AuditRequest = "request"
	// AuditRefusalsDropped says how many refusals of anonymous requests
	// were not written, over the cap.
	AuditRefusalsDropped = "refusals.dropped"
)

// Defaults of RefusalLimit.
const (
	DefaultRefusalRate  = 20
	DefaultRefusalBurst = 100
)

// RefusalLimit caps the refusals of anonymous requests the audit log gets
// from one process: a token bucket of Burst entries that refills at Rate
// a second. Refusals over it are counted, and one entry says how many once
// the bucket has room again. Refusals of a request whose token
// authenticates are always written: they name a token, which can be
// revoked.
type RefusalLimit struct {
	Rate  float64
	Burst int
}

// refusalGate is RefusalLimit at work: it says whether a refusal may be
// written, counts those that may not, and has the count written when
// the bucket refills.
type refusalGate struct {
	rate, burst float64
	now         func() time.Time
	// flush writes that n refusals since then were dropped.
	flush func(n int64, since time.Time)

	mu      sync.Mutex
	tokens  float64
	last    time.Time
	dropped int64
	since   time.Time // when the first of the dropped was
	timer   *time.Timer
	closed  bool
	// flushes counts the flushes scheduled or running, for close.
	flushes sync.WaitGroup
}

func newRefusalGate(l RefusalLimit, now func() time.Time, flush func(int64, time.Time)) *refusalGate {
	if l.Rate <= 0 {
		l.Rate = DefaultRefusalRate
	}
	if l.Burst <= 0 {
		l.Burst = DefaultRefusalBurst
	}
	return &refusalGate{rate: l.Rate, burst: float64(l.Burst), tokens: float64(l.Burst), now: now, flush: flush}
}

// refill adds what the bucket gained since it was last looked at; g.mu is
// held.
func (g *refusalGate) refill(now time.Time) {
	if !g.last.IsZero() && now.After(g.last) {
		g.tokens = min(g.burst, g.tokens+now.Sub(g.last).Seconds()*g.rate)
	}
	if now.After(g.last) {
		g.last = now
	}
}

// allow takes one entry from the bucket, or counts a dropped refusal and
// makes sure a flush is on its way.
func (g *refusalGate) allow() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.refill(now)
	if g.tokens >= 1 {
		g.tokens--
		return true
	}
	if g.dropped == 0 {
		g.since = now
	}
	g.dropped++
	if g.timer == nil && !g.closed {
		// When the bucket holds one entry again: the summary takes it.
		wait := time.Duration((1 - g.tokens) / g.rate * float64(time.Second))
		g.flushes.Add(1)
		g.timer = time.AfterFunc(wait, g.fire)
	}
	return false
}

// fire writes the count of dropped refusals, taking one entry from the
// bucket for it (the bucket may go below empty: the summary is written
// whatever the flood, and what follows waits for it).
func (g *refusalGate) fire() {
	defer g.flushes.Done()
	g.mu.Lock()
	g.timer = nil
	if g.closed || g.dropped == 0 {
		g.mu.Unlock()
		return
	}
	g.refill(g.now())
	g.tokens--
	n, since := g.dropped, g.since
	g.dropped = 0
	g.mu.Unlock()
	g.flush(n, since)
}

// close stops the timer, waits for a flush under way, and writes what is
// still counted, so that no count is lost when the process stops.
func (g *refusalGate) close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	if g.timer != nil && g.timer.Stop() {
		g.flushes.Done()
	}
	g.timer = nil
	n, since := g.dropped, g.since
	g.dropped = 0
	g.mu.Unlock()
	g.flushes.Wait()
	if n > 0 {
		g.flush(n, since)
	}
}

// writeDropped audits that n refusals of anonymous requests since then
// were not written.
func (s *Service) writeDropped(n int64, since time.Time) {
	s.write(context.Background(), store.AuditEntry{
		Actor: Anonymous, Action: AuditRefusalsDropped,
		Reason: fmt.Sprintf("%d refusal(s) of anonymous requests since %s not written: more than %g a second (burst %g)",
			n, since.UTC().Format(time.RFC3339Nano), s.refusals.rate, s.refusals.burst),
	})
}

// AuditRequestRefusal audits a request the API refused before it could
// call the Service (a malformed body, a query that does not parse or
// validate, an argument out of bounds) as action AuditRequest with reason:
// by the token's name when token authenticates, else by Anonymous, under
// the cap of anonymous refusals.
func (s *Service) AuditRequestRefusal(ctx context.Context, token, reason string) {
	s.auditUnauthenticated(ctx, token, store.AuditEntry{Action: AuditRequest, Reason: reason})
}

// refuseInput audits a refusal of a call's input, found before its token
// was checked, and returns it: see auditUnauthenticated.
func (s *Service) refuseInput(ctx context.Context, token, action, subject string, err error) error {
	s.auditUnauthenticated(ctx, token, store.AuditEntry{Action: action, Subject: subject, Reason: err.Error()})
	return err
}

// auditUnauthenticated audits e, a refusal of a request whose token was
// not checked: by the token's name when it authenticates, else by
// Anonymous (under the cap), saying why the token did not.
func (s *Service) auditUnauthenticated(ctx context.Context, token string, e store.AuditEntry) {
	e.Actor = Anonymous
	if token != "" {
		tok, err := s.store.Authenticate(ctx, token)
		switch {
		case err == nil:
			e.Actor = tok.Name
		case errors.Is(err, store.ErrInvalidToken):
			e.Reason += " (with an invalid token: " + err.Error() + ")"
		default:
			s.log.Warn().Err(err).Msg("registry: authenticating the token of a refused request failed")
		}
	}
	s.audit(ctx, e)
}

// Close writes what the cap on refusals still counts and stops its timer.
// Call it before the store is closed; the Service is not to be used after.
func (s *Service) Close() {
	s.refusals.close()
}

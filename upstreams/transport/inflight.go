package transport

import (
	"context"
	"net/http"
	"sync"

	"github.com/weft-gateway/weft/upstreams"
)

// flights are the exchanges in flight that identical calls may join. A
// shared exchange's body stays in its pooled buffer until every caller that
// joined has parsed it: golang.org/x/sync/singleflight shares results but
// cannot tell when the last waiter is done, which pooling needs.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	ex   *exchange
	err  error
	// waiters counts the callers that will read ex; guarded by flights.mu
	// while the flight is in the map.
	waiters int
	// cancel ends the exchange once every caller has given up: nobody
	// needs its answer (a hedge won, deadlines passed).
	cancel context.CancelFunc
}

// shared runs the exchange for key, or joins the one in flight. The
// exchange runs on its own goroutine with the upstream's timeout, not the
// first caller's context, so a caller that gives up does not fail the
// others; each caller waits only as long as its own context allows, and
// when the last one gives up the exchange is cancelled (and the next
// identical call starts afresh rather than join it). The caller releases
// the exchange it gets.
func (c *Client) shared(ctx context.Context, key string, cr Credentials, method, url string, header http.Header, body []byte) (*exchange, error) {
	c.flights.mu.Lock()
	if c.flights.m == nil {
		c.flights.m = map[string]*flight{}
	}
	f := c.flights.m[key]
	if f == nil {
		flyCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), waiters: 1, cancel: cancel}
		c.flights.m[key] = f
		c.flights.mu.Unlock()
		go c.fly(flyCtx, key, f, cr, method, url, header, body)
	} else {
		f.waiters++
		c.flights.mu.Unlock()
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		c.flights.mu.Lock()
		if c.flights.m[key] == f {
			if f.waiters--; f.waiters == 0 {
				delete(c.flights.m, key)
				f.cancel()
			}
			c.flights.mu.Unlock()
			return nil, upstreams.TransportError(c.name, ctx.Err())
		}
		c.flights.mu.Unlock()
		// The exchange finished as we gave up, and counted us: let go.
		<-f.done
		if f.err == nil {
			f.ex.release()
		}
		return nil, upstreams.TransportError(c.name, ctx.Err())
	}
	if f.err != nil {
		return nil, f.err
	}
	return f.ex, nil
}

// fly runs one shared exchange. Callers may join until it leaves the map;
// the exchange then holds one reference per caller that stayed.
func (c *Client) fly(ctx context.Context, key string, f *flight, cr Credentials, method, url string, header http.Header, body []byte) {
	defer f.cancel()
	ex, err := c.exchange(ctx, cr, method, url, header, body)
	c.flights.mu.Lock()
	if c.flights.m[key] == f {
		delete(c.flights.m, key)
	}
	n := f.waiters
	c.flights.mu.Unlock()
	if err == nil {
		if n == 0 {
			ex.release()
		} else {
			ex.refs.Store(int32(n))
		}
	}
	f.ex, f.err = ex, err
	close(f.done)
}

package planner

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// heldContext holds the planner at its first look at the context until
// the test lets it go: a plan that takes as long as the test needs.
type heldContext struct {
	context.Context
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func newHeldContext(ctx context.Context) *heldContext {
	return &heldContext{Context: ctx, entered: make(chan struct{}), release: make(chan struct{})}
}

func (c *heldContext) Err() error {
	c.once.Do(func() {
		close(c.entered)
		<-c.release
	})
	return c.Context.Err()
}

// waitingContext says when the cache first waits on it (Done).
type waitingContext struct {
	context.Context
	waiting chan<- struct{}
	once    sync.Once
}

func (c *waitingContext) Done() <-chan struct{} {
	c.once.Do(func() { c.waiting <- struct{}{} })
	return c.Context.Done()
}

const cacheQuery = `{ products { name reviews { rating } } }`

func loadQuery(t testing.TB, c *Cache, q string) *ast.QueryDocument {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(c.Schema().AST, q)
	if errs != nil {
		t.Fatal(errs)
	}
	return doc
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not within 10s", what)
	}
}

// TestCacheMissesPlanOnce: requests that miss one operation while it is
// being planned wait for that plan instead of planning it again.
func TestCacheMissesPlanOnce(t *testing.T) {
	c, err := NewCache(testSchema(t), 10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := loadQuery(t, c, cacheQuery)
	first := newHeldContext(context.Background())
	leader := make(chan *Plan, 1)
	go func() {
		p, err := c.Plan(first, cacheQuery, doc, "")
		if err != nil {
			t.Error(err)
		}
		leader <- p
	}()
	wait(t, first.entered, "the first request planning")

	const waiters = 4
	waiting := make(chan struct{}, waiters)
	plans := make(chan *Plan, waiters)
	for range waiters {
		go func() {
			// Another layout of the same operation: the same key.
			p, err := c.Plan(&waitingContext{Context: context.Background(), waiting: waiting}, "{products{name reviews{rating}}}", doc, "")
			if err != nil {
				t.Error(err)
			}
			plans <- p
		}()
	}
	for range waiters {
		wait(t, waiting, "a request waiting for the plan being built (did it plan the operation itself?)")
	}
	close(first.release)
	p := <-leader
	for range waiters {
		if got := <-plans; got != p {
			t.Error("a waiting request got a plan of its own")
		}
	}
	if st := c.Stats(); st.Misses != 1 || st.Hits != waiters {
		t.Errorf("stats %+v, want 1 miss and %d hits", st, waiters)
	}
	if q, _ := c.Plan(context.Background(), "# again\n"+cacheQuery, doc, ""); q != p {
		t.Error("a later request planned the operation again")
	}
}

// TestCacheWaiterCancelled: a waiting request whose context ends stops
// waiting at once; the plan being built is not disturbed.
func TestCacheWaiterCancelled(t *testing.T) {
	c, _ := NewCache(testSchema(t), 10, Options{})
	doc := loadQuery(t, c, cacheQuery)
	first := newHeldContext(context.Background())
	leader := make(chan error, 1)
	go func() {
		_, err := c.Plan(first, cacheQuery, doc, "")
		leader <- err
	}()
	wait(t, first.entered, "the first request planning")

	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan struct{}, 1)
	gone := make(chan error, 1)
	go func() {
		_, err := c.Plan(&waitingContext{Context: ctx, waiting: waiting}, cacheQuery, doc, "")
		gone <- err
	}()
	wait(t, waiting, "the second request waiting")
	cancel()
	select {
	case err := <-gone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled waiter: err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled waiter still waits")
	}
	close(first.release)
	if err := <-leader; err != nil {
		t.Fatalf("the planning request failed: %v", err)
	}
	if c.Len() != 1 {
		t.Errorf("%d plans cached, want 1", c.Len())
	}
}

// TestCachePlannerCancelled: when the request planning an operation goes
// away, its planning stops, and a request that waited for it plans the
// operation itself rather than fail with the other's cancellation.
func TestCachePlannerCancelled(t *testing.T) {
	c, _ := NewCache(testSchema(t), 10, Options{})
	doc := loadQuery(t, c, cacheQuery)
	ctx, cancel := context.WithCancel(context.Background())
	first := newHeldContext(ctx)
	leader := make(chan error, 1)
	go func() {
		_, err := c.Plan(first, cacheQuery, doc, "")
		leader <- err
	}()
	wait(t, first.entered, "the first request planning")

	waiting := make(chan struct{}, 1)
	second := make(chan *Plan, 1)
	go func() {
		p, err := c.Plan(&waitingContext{Context: context.Background(), waiting: waiting}, cacheQuery, doc, "")
		if err != nil {
			t.Errorf("the waiting request failed: %v", err)
		}
		second <- p
	}()
	wait(t, waiting, "the second request waiting")
	cancel()
	close(first.release)
	if err := <-leader; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled planner: err = %v, want context.Canceled", err)
	}
	if p := <-second; p == nil {
		t.Fatal("the waiting request got no plan")
	}
	if st := c.Stats(); st.Misses != 2 || c.Len() != 1 {
		t.Errorf("stats %+v, %d cached; want 2 misses (the cancelled one and the retry), 1 cached", st, c.Len())
	}
}

// TestCacheRefusals: a limit's refusal answers every layout of the
// operation; a refusal that names a position answers only its own text,
// whose positions it names.
func TestCacheRefusals(t *testing.T) {
	s := testSchema(t)
	c, _ := NewCache(s, 10, Options{MaxDepth: 1})
	doc := loadQuery(t, c, cacheQuery)
	_, err := c.Plan(context.Background(), cacheQuery, doc, "")
	var deep *TooDeepError
	if !errors.As(err, &deep) {
		t.Fatalf("err = %v, want a TooDeepError", err)
	}
	_, err = c.Plan(context.Background(), "{products{name reviews{rating}}}", doc, "")
	if !errors.As(err, &deep) || c.Stats().Misses != 1 {
		t.Fatalf("another layout: err = %v, stats %+v; want the cached refusal", err, c.Stats())
	}

	c2, _ := NewCache(s, 10, Options{})
	two := `query One { products { name } } query Other { products { upc } }`
	doc2 := loadQuery(t, c2, two)
	if _, err := c2.Plan(context.Background(), two, doc2, "Missing"); err == nil {
		t.Fatal("an operation the document does not have was planned")
	}
	if _, err := c2.Plan(context.Background(), two, doc2, "Missing"); err == nil || c2.Stats().Misses != 1 {
		t.Fatalf("same text: err = %v, stats %+v; want the cached refusal", err, c2.Stats())
	}
	if _, err := c2.Plan(context.Background(), "query One{products{name}}query Other{products{upc}}", doc2, "Missing"); err == nil || c2.Stats().Misses != 2 {
		t.Fatalf("another layout: err = %v, stats %+v; want a refusal planned anew", err, c2.Stats())
	}
}

func BenchmarkPlanCacheHitIndented(b *testing.B) {
	s := testSchema(b)
	c, _ := NewCache(s, 100, Options{})
	q := "query Products {\n  products {\n    upc\n    name\n    reviews {\n      rating\n      body\n      product {\n        name\n      }\n    }\n  }\n}\n"
	doc := loadQuery(b, c, q)
	if _, err := c.Plan(context.Background(), q, doc, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Plan(context.Background(), q, doc, ""); err != nil {
			b.Fatal(err)
		}
	}
}

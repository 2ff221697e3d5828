package faults

import (
	"net"
	"sync"
)

// Listener wraps l so that the Injector can break its connections: while
// the fault is Down, each accepted connection is reset at once (the client
// sees a reset, not a refusal: a refusal needs the port closed, which could
// then be taken by another process), and Set(Down) and Reset break
// connections already open.
func (i *Injector) Listener(l net.Listener) net.Listener {
	return &listener{Listener: l, i: i}
}

type listener struct {
	net.Listener
	i *Injector
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc := &conn{Conn: c, i: l.i, key: c.RemoteAddr().String()}
		// Tracked before the fault is read: a Set(Down) that this read
		// misses comes after the tracking, and resets the connection.
		l.i.track(tc)
		if l.i.down() {
			tc.reset()
			continue
		}
		return tc, nil
	}
}

// conn is an accepted connection the Injector can reset.
type conn struct {
	net.Conn
	i    *Injector
	key  string
	once sync.Once
}

func (c *conn) Close() error {
	c.i.untrack(c)
	return c.Conn.Close()
}

// reset closes the connection with a TCP RST rather than a FIN, so the
// peer's next read or write fails with "connection reset by peer".
func (c *conn) reset() {
	c.once.Do(func() {
		c.i.untrack(c)
		resetConn(c.Conn)
	})
}

// resetConn closes c, with a TCP RST where c is a TCP connection.
func resetConn(c net.Conn) {
	if tc, ok := c.(*conn); ok {
		tc.reset()
		return
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = c.Close()
}

func (i *Injector) track(c *conn) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.conns == nil {
		i.conns = map[string]*conn{}
	}
	i.conns[c.key] = c
}

func (i *Injector) untrack(c *conn) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.conns[c.key] == c {
		delete(i.conns, c.key)
	}
}

// resetAll resets every open connection of the Injector's listeners.
func (i *Injector) resetAll() {
	i.mu.Lock()
	open := make([]*conn, 0, len(i.conns))
	for _, c := range i.conns {
		open = append(open, c)
	}
	i.mu.Unlock()
	for _, c := range open {
		c.reset()
	}
}

// resetPeer resets the open connection from remote address addr, and says
// whether there was one.
func (i *Injector) resetPeer(addr string) bool {
	i.mu.Lock()
	c := i.conns[addr]
	i.mu.Unlock()
	if c == nil {
		return false
	}
	c.reset()
	return true
}

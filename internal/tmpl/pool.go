package tmpl

import "sync"

// bytePool recycles scratch buffers used while evaluating templates.
type bytePool struct{ p sync.Pool }

func newBytePool() *bytePool {
	return &bytePool{p: sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}}
}

func (p *bytePool) get() []byte { return (*p.p.Get().(*[]byte))[:0] }

func (p *bytePool) put(b []byte) {
	if cap(b) > 64<<10 {
		return // do not keep outsized buffers alive
	}
	p.p.Put(&b)
}

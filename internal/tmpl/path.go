package tmpl

import (
	"bytes"
	"fmt"
	"strings"
)

// SegmentError reports a URL path segment that a placeholder's value made
// "." or ".." (a dot segment), or left empty.
type SegmentError struct {
	Ref Ref
	// Segment is the segment as written: ".", "..", a percent-encoded
	// form of them, or "".
	Segment string
}

func (e *SegmentError) Error() string {
	if e.Segment == "" {
		return fmt.Sprintf("{%s} makes an empty URL path segment", e.Ref)
	}
	return fmt.Sprintf("{%s} makes the URL path segment %q", e.Ref, e.Segment)
}

// AppendPath appends the template as a URL path, each placeholder's value
// escaped by esc (which should escape "/", as url.PathEscape does). A path
// segment that holds a placeholder's text must not be a dot segment ("."
// or "..", "%2e" read as a dot) nor empty: a *SegmentError names the
// placeholder, and nothing is sent.
//
// Such a segment is refused rather than encoded because no encoding of it
// is safe: servers and proxies remove dot segments (RFC 3986, 5.2.4)
// before routing, and many decode "%2E%2E" first and then remove it too,
// so /products/{args.upc}/reviews with upc ".." would be served as
// /reviews. Empty segments are merged away the same way (nginx's
// merge_slashes, on by default): /products//reviews is /products/reviews.
// Segments written in the template itself are the config's own and are
// left as they are.
func (t *Template) AppendPath(dst []byte, s *Scope, esc Escaper) ([]byte, error) {
	w := pathWriter{dst: dst, seg: len(dst)}
	for _, p := range t.parts {
		if p.ref == nil {
			if err := w.text(p.lit, nil); err != nil {
				return w.dst, err
			}
			continue
		}
		v := s.Lookup(*p.ref)
		if v == nil {
			return w.dst, &NullError{*p.ref}
		}
		if w.holder == nil {
			w.holder = p.ref
		}
		start := len(w.dst)
		w.dst = appendText(w.dst, v, esc, p.ref.Keys)
		if bytes.IndexByte(w.dst[start:], '/') >= 0 {
			// An escaper that lets "/" through: the segments it makes are
			// checked like the others.
			text := string(w.dst[start:])
			w.dst = w.dst[:start]
			if err := w.text(text, p.ref); err != nil {
				return w.dst, err
			}
		}
	}
	return w.dst, w.closeSegment()
}

// pathWriter appends a path and checks each segment as it closes.
type pathWriter struct {
	dst []byte
	// seg is where the current segment starts in dst.
	seg int
	// holder is the first placeholder whose text is in the segment.
	holder *Ref
}

// text appends text that ref's value made (nil: the template's own),
// closing a segment at every "/".
func (w *pathWriter) text(text string, ref *Ref) error {
	for {
		i := strings.IndexByte(text, '/')
		if i < 0 {
			w.dst = append(w.dst, text...)
			return nil
		}
		w.dst = append(w.dst, text[:i]...)
		if err := w.closeSegment(); err != nil {
			return err
		}
		w.dst = append(w.dst, '/')
		w.seg, w.holder = len(w.dst), ref
		text = text[i+1:]
	}
}

func (w *pathWriter) closeSegment() error {
	if w.holder != nil && badSegment(w.dst[w.seg:]) {
		return &SegmentError{Ref: *w.holder, Segment: string(w.dst[w.seg:])}
	}
	return nil
}

// badSegment reports whether a path segment is empty or a dot segment,
// "%2e" and "%2E" read as the dots they decode to.
func badSegment(b []byte) bool {
	dots := 0
	for i := 0; i < len(b); dots++ {
		switch {
		case dots == 2:
			return false
		case b[i] == '.':
			i++
		case i+2 < len(b) && b[i] == '%' && b[i+1] == '2' && (b[i+2] == 'e' || b[i+2] == 'E'):
			i += 3
		default:
			return false
		}
	}
	return true
}

package upstreams

import (
	"bytes"
	"io/fs"
	"time"

	"github.com/valyala/fastjson"
)

// FS is the config's files as an fs.FS, names relative to the resource's
// file, for readers that take one (a .proto compiler, a WSDL loader) when
// the config is not on disk (the embedded demo).
func (s *Source) FS() fs.FS { return readFS(s.ReadFile) }

// readFS reads through a Source's ReadFile.
type readFS func(name string) ([]byte, string, error)

// Open implements fs.FS.
func (r readFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	data, _, err := r(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &memFile{Reader: bytes.NewReader(data), name: name, size: int64(len(data))}, nil
}

// memFile is a file read whole.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }

// The fs.FileInfo of a memFile.
func (f *memFile) Name() string       { return f.name }
func (f *memFile) Size() int64        { return f.size }
func (f *memFile) Mode() fs.FileMode  { return 0o444 }
func (f *memFile) ModTime() time.Time { return time.Time{} }
func (f *memFile) IsDir() bool        { return false }
func (f *memFile) Sys() any           { return nil }

// PlainJSON turns a parsed value into plain Go values (maps, slices,
// strings, float64, bool, nil), for error extensions, which are encoded
// with encoding/json off the hot path.
func PlainJSON(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeObject:
		m := map[string]any{}
		o, _ := v.Object()
		o.Visit(func(k []byte, e *fastjson.Value) { m[string(k)] = PlainJSON(e) })
		return m
	case fastjson.TypeArray:
		out := []any{}
		for _, e := range v.GetArray() {
			out = append(out, PlainJSON(e))
		}
		return out
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber:
		return v.GetFloat64()
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}

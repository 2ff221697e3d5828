package jsonwrite

import "unsafe"

// unsafeString views b as a string without copying; callers must not keep the
// string beyond b's lifetime or modify b while the string is in use.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

package redisstale

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// Layout of a stored value, format 1:
//
//	offset 0       version, 1
//	offset 1..8    fetch time: Unix nanoseconds, int64 big-endian
//	offset 9..n-4  the value, as Save was given it
//	offset n-4..n  CRC-32C (Castagnoli) of bytes 0..n-4, big-endian
//
// The version comes first so that a later format can be told apart by its
// first byte alone, and replicas of two releases can share a server during
// a rolling upgrade: each treats the other's entries as misses. The checksum
// trails so that encoding is one pass; it turns a truncated, overwritten or
// foreign entry under the prefix into a miss, where serving it would hand
// a client bytes that are not the field's last good value.
const (
	formatV1 byte = 1

	headerLen  = 1 + 8
	trailerLen = 4
	// overhead is what format 1 adds to a value.
	overhead = headerLen + trailerLen
)

// checksum is CRC-32C of b. The CPU computes it (SSE4.2, ARMv8 CRC) at
// memory speed, so checking a 1 MiB value costs tens of microseconds.
// MakeTable returns the package's own table for Castagnoli, built once.
func checksum(b []byte) uint32 {
	return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
}

// Errors of decode. They are counted, never returned by Load: an entry that
// does not decode is a miss.
var (
	errShort    = errors.New("entry shorter than the format's header and checksum")
	errChecksum = errors.New("entry's checksum does not match")
	errTime     = errors.New("entry's fetch time is not after 1970")
)

// appendEncoded appends value's format-1 encoding, with its fetch time, to
// dst.
func appendEncoded(dst, value []byte, fetched time.Time) []byte {
	start := len(dst)
	dst = append(dst, formatV1)
	dst = binary.BigEndian.AppendUint64(dst, uint64(fetched.UnixNano()))
	dst = append(dst, value...)
	return binary.BigEndian.AppendUint32(dst, checksum(dst[start:]))
}

// decode returns the value and fetch time an entry holds. The value is a
// sub-slice of b.
func decode(b []byte) ([]byte, time.Time, error) {
	if len(b) == 0 {
		return nil, time.Time{}, errShort
	}
	if b[0] != formatV1 {
		return nil, time.Time{}, fmt.Errorf("entry's format %d is not %d", b[0], formatV1)
	}
	if len(b) < overhead {
		return nil, time.Time{}, errShort
	}
	body := b[:len(b)-trailerLen]
	if checksum(body) != binary.BigEndian.Uint32(b[len(body):]) {
		return nil, time.Time{}, errChecksum
	}
	ns := int64(binary.BigEndian.Uint64(b[1:headerLen]))
	if ns <= 0 {
		return nil, time.Time{}, errTime
	}
	return body[headerLen:len(body):len(body)], time.Unix(0, ns), nil
}

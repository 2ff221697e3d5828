package redisstale

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"
)

func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name    string
		value   []byte
		fetched time.Time
	}{
		{"JSON object", []byte(`{"name":"Lamp","tags":["a","b"]}`), time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)},
		{"empty", []byte{}, time.Unix(1, 0)},
		{"nil", nil, time.Unix(0, 1)},
		{"binary", []byte{0, 1, 2, 0xff, formatV1}, time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"large", bytes.Repeat([]byte("x"), 1<<20), time.Now()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("kept")
			enc := appendEncoded(bytes.Clone(prefix), tt.value, tt.fetched)
			if !bytes.Equal(enc[:len(prefix)], prefix) {
				t.Fatalf("appendEncoded changed what dst held")
			}
			enc = enc[len(prefix):]
			if len(enc) != len(tt.value)+overhead {
				t.Errorf("encoding is %d bytes, want %d", len(enc), len(tt.value)+overhead)
			}
			// The layout the package comment documents.
			if enc[0] != 1 {
				t.Errorf("version byte %d, want 1", enc[0])
			}
			if ns := int64(binary.BigEndian.Uint64(enc[1:9])); ns != tt.fetched.UnixNano() {
				t.Errorf("time field %d, want %d", ns, tt.fetched.UnixNano())
			}
			if sum := crc32.Checksum(enc[:len(enc)-4], crc32.MakeTable(crc32.Castagnoli)); binary.BigEndian.Uint32(enc[len(enc)-4:]) != sum {
				t.Errorf("trailer is not the CRC-32C of what precedes it")
			}

			value, at, err := decode(enc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !bytes.Equal(value, tt.value) || !at.Equal(tt.fetched) {
				t.Errorf("decode = %.40q at %v, want %.40q at %v", value, at, tt.value, tt.fetched)
			}
			// The value must not reach into the checksum: appending to it
			// may not change the entry.
			_ = append(value, '!')
			if _, _, err := decode(enc); err != nil {
				t.Errorf("appending to a decoded value damaged the entry: %v", err)
			}
		})
	}
}

func TestTTLMillis(t *testing.T) {
	tests := []struct {
		ttl  time.Duration
		want int64
	}{
		{time.Nanosecond, 1},
		{time.Millisecond, 1},
		{time.Millisecond + 1, 2},
		{1500 * time.Microsecond, 2},
		{5 * time.Minute, 300_000},
	}
	for _, tt := range tests {
		if got := ttlMillis(tt.ttl); got != tt.want {
			t.Errorf("ttlMillis(%v) = %d, want %d", tt.ttl, got, tt.want)
		}
	}
}

// FuzzDecode checks that decode never panics on what Redis may hold, and
// that whatever it accepts is exactly the encoding of what it returns, so
// no two entries decode alike and nothing is read past the format.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{formatV1})
	f.Add([]byte("{\"a\":1}"))
	f.Add(appendEncoded(nil, []byte(`{"name":"Lamp"}`), time.Unix(1_700_000_000, 5)))
	f.Add(appendEncoded(nil, nil, time.Unix(0, 1)))
	f.Add(appendEncoded(nil, []byte(`1`), time.Unix(0, 0)))
	f.Add(appendEncoded(nil, []byte(`1`), time.Unix(0, -1)))
	bad := appendEncoded(nil, []byte(`[1,2,3]`), time.Now())
	bad[3] ^= 0x80
	f.Add(bad)
	f.Fuzz(func(t *testing.T, b []byte) {
		value, at, err := decode(b)
		if err != nil {
			if value != nil || !at.IsZero() {
				t.Fatalf("decode failed (%v) but returned %q at %v", err, value, at)
			}
			return
		}
		if at.UnixNano() <= 0 {
			t.Fatalf("decode accepted fetch time %v", at)
		}
		if again := appendEncoded(nil, value, at); !bytes.Equal(again, b) {
			t.Fatalf("decode(%x) = %q at %v, which encodes as %x", b, value, at, again)
		}
	})
}

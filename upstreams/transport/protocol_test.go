package transport

import (
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestGzipAndHTTP2 checks that answers are asked for compressed and read
// decompressed, and that an HTTPS upstream that offers HTTP/2 gets it.
func TestGzipAndHTTP2(t *testing.T) {
	var proto string
	var acceptEncoding string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto, acceptEncoding = r.Proto, r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte(`{"compressed": true}`))
		_ = zw.Close()
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert, err := x509.ParseCertificate(srv.TLS.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New("up", Options{TLS: &TLSOptions{CAFile: ca, ServerName: "example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, http.Header{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Release()
	if !resp.Value.GetBool("compressed") {
		t.Fatalf("value = %v", resp.Value)
	}
	if proto != "HTTP/2.0" {
		t.Errorf("upstream saw %s, want HTTP/2.0", proto)
	}
	if acceptEncoding != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip", acceptEncoding)
	}
}

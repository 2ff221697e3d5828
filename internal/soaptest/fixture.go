package soaptest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// addressRE finds the scheme and host of a soap:address or soap12:address
// location, whatever the prefix.
var addressRE = regexp.MustCompile(`(<[A-Za-z_][\w.-]*:address\s+location=")https?://[^/"]*`)

// WriteFixture copies the service's WSDL folder from fixtures (the
// directory upstreams/soap/wsdl/testdata/wsdl) into dir, with every port
// address moved to this server (same path), and returns the WSDL's path
// in dir. Lines stay where they were, so that errors and warnings name the
// fixture's lines.
func (s *Server) WriteFixture(fixtures, dir string) (string, error) {
	src := filepath.Join(fixtures, filepath.FromSlash(filepath.Dir(s.svc.Fixture)))
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", fmt.Errorf("soaptest: fixture %s: %w", s.svc.Fixture, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("soaptest: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return "", fmt.Errorf("soaptest: fixture %s: %w", s.svc.Fixture, err)
		}
		if filepath.Ext(e.Name()) == ".wsdl" {
			b = addressRE.ReplaceAll(b, []byte("${1}"+s.URL()))
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return "", fmt.Errorf("soaptest: %w", err)
		}
	}
	return filepath.Join(dir, filepath.Base(s.svc.Fixture)), nil
}

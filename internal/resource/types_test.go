package resource

import (
	"fmt"
	"net/netip"
	"time"

	"go.yaml.in/yaml/v3"
)

// testSpec stands for a kind's spec: it uses every feature Decode
// supports, nested a few levels deep.
type testSpec struct {
	testCommon `yaml:",inline"`

	URL     string            `yaml:"url" weft:"required"`
	Timeout time.Duration     `yaml:"timeout"`
	Retries *int              `yaml:"retries"`
	Enabled bool              `yaml:"enabled"`
	Weight  float32           `yaml:"weight"`
	Port    uint16            `yaml:"port"`
	Offset  int8              `yaml:"offset"`
	Headers map[string]string `yaml:"headers"`
	Routes  []testRoute       `yaml:"routes"`
	Pair    [2]string         `yaml:"pair"`
	Schema  *yaml.Node        `yaml:"schema"`
	Raw     yaml.Node         `yaml:"raw"`
	Level   testLevel         `yaml:"level"`
	Addr    netip.Addr        `yaml:"addr"`
	Extra   any               `yaml:"extra"`
	Ignored string            `yaml:"-"`
	hidden  string
}

type testCommon struct {
	Description string `yaml:"description"`
}

type testRoute struct {
	Name     string        `yaml:"name" weft:"required"`
	Match    testMatch     `yaml:"match" weft:"required"`
	Fallback *testFallback `yaml:"fallback"`
	Timeout  time.Duration `yaml:"timeout"`
}

type testMatch struct {
	Prefix  string       `yaml:"prefix"`
	Headers []testHeader `yaml:"headers"`
}

type testHeader struct {
	Name  string `yaml:"name" weft:"required"`
	Value string `yaml:"value"`
}

type testFallback struct {
	Value any           `yaml:"value"`
	After time.Duration `yaml:"after"`
}

// testLevel decodes itself, as kinds with enum-like fields do.
type testLevel int

func (l *testLevel) UnmarshalYAML(n *yaml.Node) error {
	switch n.Value {
	case "low":
		*l = 1
	case "high":
		*l = 2
	default:
		return fmt.Errorf("level must be low or high, not %q", n.Value)
	}
	return nil
}

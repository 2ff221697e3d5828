package resource

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// kindsSpec has one field for each decoding case the other specs leave
// out.
type kindsSpec struct {
	Port    uint16      `yaml:"port"`
	Pair    [2]string   `yaml:"pair"`
	Weight  float64     `yaml:"weight"`
	Node    **yaml.Node `yaml:"node"`
	Count   int         `yaml:"count"`
	Any     any         `yaml:"any"`
	Names   []string    `yaml:"names"`
	Flags   []bool      `yaml:"flags"`
	Parents *[]int      `yaml:"parents"`
}

// TestDecodeKinds covers each kind of target the decoder handles: what
// it accepts, what it reports, and what null does to it.
func TestDecodeKinds(t *testing.T) {
	tests := []struct {
		name, spec string
		// want is the error, "" for none; check looks at the value.
		want  string
		check func(t *testing.T, s *kindsSpec)
	}{
		{name: "unsigned from a string",
			spec: "  port: \"80\"\n",
			want: `t.yaml:6:9: spec.port: expected an integer, got a string ("80")`},
		{name: "array from a mapping",
			spec: "  pair: {a: b}\n",
			want: `t.yaml:6:9: spec.pair: expected a list, got a mapping`},
		{name: "float from a boolean",
			spec: "  weight: true\n",
			want: `t.yaml:6:11: spec.weight: expected a number, got a boolean (true)`},
		{name: "float from an integer",
			spec: "  weight: 3\n",
			check: func(t *testing.T, s *kindsSpec) {
				if s.Weight != 3 {
					t.Errorf("Weight = %v, want 3", s.Weight)
				}
			}},
		{name: "boolean list with an integer",
			spec: "  flags: [true, 1]\n",
			want: `t.yaml:6:17: spec.flags[1]: expected a boolean (true or false), got an integer (1)`},
		{name: "a pointer to a node pointer holds the node as written",
			spec: "  pair: &p [a, b]\n  node: *p\n",
			check: func(t *testing.T, s *kindsSpec) {
				if s.Node == nil || *s.Node == nil || (*s.Node).Kind != yaml.AliasNode || (*s.Node).Line != 7 {
					t.Errorf("Node = %v, want the alias at line 7", s.Node)
				}
			}},
		{name: "null resets pointers, maps, slices and interfaces, and leaves the rest",
			spec: "  node: ~\n  any: null\n  names: ~\n  parents: ~\n  count: ~\n  port: ~\n",
			check: func(t *testing.T, s *kindsSpec) {
				if s.Node != nil || s.Any != nil || s.Names != nil || s.Parents != nil {
					t.Errorf("Node, Any, Names, Parents = %v, %v, %v, %v; want all nil", s.Node, s.Any, s.Names, s.Parents)
				}
				if s.Count != 7 || s.Port != 8 {
					t.Errorf("Count, Port = %d, %d; want 7, 8 kept", s.Count, s.Port)
				}
			}},
		{name: "a pointer to a slice is allocated",
			spec: "  parents: [1, 2]\n",
			check: func(t *testing.T, s *kindsSpec) {
				if s.Parents == nil || len(*s.Parents) != 2 || (*s.Parents)[1] != 2 {
					t.Errorf("Parents = %v, want [1 2]", s.Parents)
				}
			}},
		{name: "a merge key is no string",
			spec: "  names: [<<]\n",
			want: `t.yaml:6:11: spec.names[0]: expected a string, got a merge key (<<)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := loadOne(t, header+tt.spec, Options{})
			n := &yaml.Node{}
			s := kindsSpec{Count: 7, Port: 8, Node: &n, Any: "old", Names: []string{"x"}, Parents: &[]int{1}}
			err := d.DecodeSpec(&s)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("DecodeSpec: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("DecodeSpec error =\n%v\nwant\n%s", err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, &s)
			}
		})
	}
}

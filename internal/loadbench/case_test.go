package loadbench

import (
	"reflect"
	"strings"
	"testing"
)

func TestCases(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Cases() {
		if c.Name == "" || strings.ContainsAny(c.Name, " /") || seen[c.Name] {
			t.Errorf("case name %q: empty, not a plain word, or used twice", c.Name)
		}
		seen[c.Name] = true
		if c.Query == "" {
			t.Errorf("case %s has no query", c.Name)
		}
	}
}

func names(cs []Case) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestSelectCases(t *testing.T) {
	all := []Case{{Name: "small"}, {Name: "large"}, {Name: "fanout"}, {Name: "small-federated"}}
	tests := []struct {
		filter  string
		want    []string
		wantErr string
	}{
		{"", []string{"small", "large", "fanout", "small-federated"}, ""},
		{"small", []string{"small"}, ""}, // whole names: not small-federated
		{"small|fanout", []string{"small", "fanout"}, ""},
		{"small.*", []string{"small", "small-federated"}, ""},
		{"tiny", nil, "matches none of [small large fanout small-federated]"},
		{"(", nil, "case filter"},
	}
	for _, tt := range tests {
		got, err := SelectCases(all, tt.filter)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("SelectCases(%q) error %v, want %q", tt.filter, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(names(got), tt.want) {
			t.Errorf("SelectCases(%q) = %v, %v; want %v", tt.filter, names(got), err, tt.want)
		}
	}
}

func TestParseMerges(t *testing.T) {
	tests := []struct {
		in      string
		want    []Merge
		wantErr bool
	}{
		{"on,off", []Merge{MergeOn, MergeOff}, false},
		{"off", []Merge{MergeOff}, false},
		{" default , on", []Merge{MergeDefault, MergeOn}, false},
		{"omit", []Merge{MergeDefault}, false},
		{"yes", nil, true},
		{"", nil, true},
		{"on,", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseMerges(tt.in)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMerges(%q) = %v, %v; want %v (error: %t)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, m := range []Merge{MergeOn, MergeOff, MergeDefault} {
		if got, err := ParseMerges(m.String()); err != nil || len(got) != 1 || got[0] != m {
			t.Errorf("ParseMerges(%q) = %v, %v; does not round-trip", m, got, err)
		}
	}
}

package resource

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// loaderPart is what a loader reads of every resource of a kind.
type loaderPart struct {
	Resilience *yaml.Node `yaml:"resilience"`
	Fallback   *struct {
		Stale string `yaml:"stale" weft:"required"`
	} `yaml:"fallback"`
}

// kindPart is what the kind reads.
type kindPart struct {
	URL     string `yaml:"url" weft:"required"`
	Timeout string `yaml:"timeout"`
}

func TestSplitSpec(t *testing.T) {
	tests := []struct {
		name      string
		spec      string
		splitErr  string // every error of SplitSpec, one per line
		kindErr   string // every error of the kind's DecodeSpec
		resilient bool   // the loader got a resilience block
	}{
		{
			name:      "both parts",
			spec:      "  url: http://x\n  resilience: {retries: 2}\n  fallback: {stale: 1m}\n",
			resilient: true,
		},
		{
			name:    "unknown key lists both parts",
			spec:    "  url: http://x\n  timout: 1s\n",
			kindErr: `t.yaml:7:3: spec.timout: unknown field "timout" (did you mean "timeout"?); allowed fields: url, timeout, resilience, fallback`,
		},
		{
			name:    "misspelt loader block is suggested",
			spec:    "  url: http://x\n  resilence: {}\n",
			kindErr: `t.yaml:7:3: spec.resilence: unknown field "resilence" (did you mean "resilience"?); allowed fields: url, timeout, resilience, fallback`,
		},
		{
			name:     "errors on both sides",
			spec:     "  fallback: {}\n  timeout: [1]\n",
			splitErr: `t.yaml:6:13: spec.fallback.stale: missing required field "stale"`,
			kindErr: "t.yaml:6:3: spec.url: missing required field \"url\"\n" +
				`t.yaml:7:12: spec.timeout: expected a string, got a list`,
		},
		{
			name:      "through a merge key",
			spec:      "  <<: {resilience: {retries: 1}, timeout: 2s}\n  url: http://x\n",
			resilient: true,
		},
		{
			name:      "loader block given twice",
			spec:      "  url: http://x\n  resilience: {}\n  resilience: {}\n",
			splitErr:  `t.yaml:8:3: spec.resilience: duplicate key "resilience" (first at line 7, column 3)`,
			resilient: true,
		},
		{
			name:    "kind key given twice is the kind's to report",
			spec:    "  url: http://x\n  url: http://y\n",
			kindErr: `t.yaml:7:3: spec.url: duplicate key "url" (first at line 6, column 3)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := loadOne(t, header+tt.spec, Options{})
			before := len(d.Spec.Content)
			var lp loaderPart
			kd, err := d.SplitSpec(&lp)
			if got := errText(err); got != tt.splitErr {
				t.Errorf("SplitSpec errors:\n%s\nwant\n%s", got, tt.splitErr)
			}
			if kd == nil {
				t.Fatal("no document for the kind")
			}
			var kp kindPart
			if got := errText(kd.DecodeSpec(&kp)); got != tt.kindErr {
				t.Errorf("kind errors:\n%s\nwant\n%s", got, tt.kindErr)
			}
			if (lp.Resilience != nil) != tt.resilient {
				t.Errorf("resilience block = %v, want one: %v", lp.Resilience, tt.resilient)
			}
			if len(d.Spec.Content) != before || d.elsewhere != nil {
				t.Error("SplitSpec changed the document it split")
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestSplitSpecNeedsAStruct(t *testing.T) {
	d := loadOne(t, header+"  url: x\n", Options{})
	for _, into := range []any{nil, map[string]any{}, new(map[string]any), new(struct {
		Rest map[string]any `yaml:",inline"`
	})} {
		if _, err := d.SplitSpec(into); err == nil || AsErrors(err) != nil || !strings.HasPrefix(err.Error(), "resource: split spec: ") {
			t.Errorf("SplitSpec(%T) = %v, want a plain error", into, err)
		}
	}
}

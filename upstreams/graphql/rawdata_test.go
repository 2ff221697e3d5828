package graphql

import "testing"

func TestRawData(t *testing.T) {
	tests := []struct {
		body string
		raw  bool
	}{
		{`{"data":{"a":1}}`, true},
		{` { "extensions": {"x": 1}, "data" : {"a":1} } `, true},
		{`{"errors":[],"data":{"a":1}}`, true},
		{`{"data":{"a":1},"errors":null}`, true},
		{`{"data":{"errors":"a field named errors"}}`, true},
		{`{"data":{"a":1},"errors":[{"message":"x"}]}`, false},
		{`{"errors":[{"message":"x"}],"data":{"a":null}}`, false},
		{`{"data":null,"errors":[{"message":"x"}]}`, false},
		{`{"data":[1]}`, false},
		{`{"nodata":{}}`, false},
		{`[1]`, false},
	}
	for _, tt := range tests {
		data, ok := rawData([]byte(tt.body))
		if ok != tt.raw {
			t.Errorf("rawData(%s) = %q, %v; want raw=%v", tt.body, data, ok, tt.raw)
		}
		if ok && data[0] != '{' {
			t.Errorf("rawData(%s) = %q: not at the data object", tt.body, data)
		}
	}
}

package shipping_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/weft-gateway/weft/internal/demo/shipping"
)

func envelope(body string) string {
	return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` + body + `</s:Body></s:Envelope>`
}

func TestGetQuote(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(shipping.NewHandler(0, func() { calls.Add(1) }))
	defer srv.Close()
	tests := []struct {
		name, body string
		status     int
		want       []string
	}{
		{"near courier", envelope(`<GetQuote xmlns="urn:weft-demo:shipping"><upc>1</upc><zip>10001</zip></GetQuote>`), 200,
			[]string{"<cost>595</cost>", "<days>1</days>", "<carrier>COURIER</carrier>"}},
		{"far post, prefixed", envelope(`<q:GetQuote xmlns:q="urn:weft-demo:shipping"><q:upc>3</q:upc><q:zip>94105</q:zip></q:GetQuote>`), 200,
			[]string{"<cost>1545</cost>", "<days>4</days>", "<carrier>POST</carrier>"}},
		{"freight", envelope(`<GetQuote xmlns="urn:weft-demo:shipping"><upc>2</upc><zip>10001</zip></GetQuote>`), 200,
			[]string{"<carrier>FREIGHT</carrier>", "<days>4</days>"}},
		{"unknown product", envelope(`<GetQuote xmlns="urn:weft-demo:shipping"><upc>99</upc><zip>10001</zip></GetQuote>`), 500,
			[]string{"<faultcode>soap:Client</faultcode>", `unknown product &#34;99&#34;`}},
		{"bad zip", envelope(`<GetQuote xmlns="urn:weft-demo:shipping"><upc>1</upc><zip>1&lt;0</zip></GetQuote>`), 500,
			[]string{"zip must be 5 digits"}},
		{"wrong namespace", envelope(`<GetQuote xmlns="urn:other"><upc>1</upc><zip>10001</zip></GetQuote>`), 500,
			[]string{"the body holds no GetQuote"}},
		{"not XML", `{"upc": 1}`, 500, []string{"not a SOAP 1.1 envelope"}},
		{"entity", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>` + envelope(`<GetQuote xmlns="urn:weft-demo:shipping"><upc>&a;</upc><zip>10001</zip></GetQuote>`), 500,
			[]string{"faultstring"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "text/xml; charset=utf-8")
			req.Header.Set("SOAPAction", `"`+shipping.Action+`"`)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.status, b)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("answer lacks %q:\n%s", w, b)
				}
			}
		})
	}
	if calls.Load() != int64(len(tests)) {
		t.Errorf("observed %d calls, want %d", calls.Load(), len(tests))
	}
}

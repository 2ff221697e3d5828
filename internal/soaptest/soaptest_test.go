package soaptest

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// violations collects what a server refuses.
type violations struct {
	mu   sync.Mutex
	errs []string
}

func (v *violations) add(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.errs = append(v.errs, err.Error())
}

func (v *violations) take() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.errs
	v.errs = nil
	return out
}

// post sends a body with these headers (name, value pairs) and returns
// the status, Content-Type and body of the answer.
func post(t *testing.T, url, body string, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func env11(body string) string {
	return `<?xml version="1.0"?><s:Envelope xmlns:s="` + NS11 + `"><s:Body>` + body + `</s:Body></s:Envelope>`
}

func env12(body string) string {
	return `<s:Envelope xmlns:s="` + NS12 + `"><s:Body>` + body + `</s:Body></s:Envelope>`
}

const quote = `<q:GetQuote xmlns:q="http://example.com/shipping/v1"><q:FromZip>10001</q:FromZip><q:ToZip>94105</q:ToZip>` +
	`<q:Parcel><q:Weight>1.5</q:Weight></q:Parcel><q:Parcel><q:Weight>0.5</q:Weight></q:Parcel></q:GetQuote>`

// TestDispatchAndAnswer: a well-formed request of each SOAP version reaches
// its operation, is recorded as read, and gets the computed answer, which
// parses back.
func TestDispatchAndAnswer(t *testing.T) {
	s := Start(t, Shipping(), Options{})
	status, ct, body := post(t, s.URL()+"/soap", env11(quote), "Content-Type", "text/xml; charset=utf-8", "SOAPAction", `"http://example.com/shipping/GetQuote"`)
	if status != 200 || ct != "text/xml; charset=utf-8" {
		t.Fatalf("%d %s: %s", status, ct, body)
	}
	root, err := parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the answer does not parse: %v\n%s", err, body)
	}
	res := root.Find("Body/GetQuoteResponse")
	if res == nil || res.Name.Space != NSShipping {
		t.Fatalf("no GetQuoteResponse: %s", body)
	}
	// 2 kg at 3/2 and 7/4; transit days from the zip's first digit (9).
	for i, want := range []struct{ price, days, name string }{{"3.00", "10", "United Parcel & Co"}, {"3.50", "11", "DHL <Express>"}} {
		r := res.Find("GetQuoteResult[" + string(rune('0'+i)) + "]")
		if r.Get("Price") != want.price || r.Get("Price/@currency") != "EUR" || r.Get("TransitDays") != want.days || r.Get("Carrier/Name") != want.name {
			t.Errorf("quote %d: %s", i, r)
		}
	}
	req := s.Last("ShippingPort/GetQuote")
	if req.Version != V11 || req.Action != "http://example.com/shipping/GetQuote" || req.Path != "/soap" {
		t.Errorf("recorded %+v", req)
	}
	if got := req.Body.Get("Parcel[1]/Weight"); got != "0.5" {
		t.Errorf("recorded weight %q", got)
	}

	status, ct, body = post(t, s.URL()+"/soap12", env12(quote), "Content-Type", `application/soap+xml; charset=UTF-8; action="http://example.com/shipping/GetQuote"`)
	if status != 200 || !strings.HasPrefix(ct, "application/soap+xml") || !strings.Contains(body, NS12) {
		t.Fatalf("SOAP 1.2: %d %s: %s", status, ct, body)
	}
	if s.Calls("ShippingPort12/GetQuote") != 1 || s.Calls("ShippingPort/GetQuote") != 1 {
		t.Error("calls not counted per operation")
	}

	// One-way: 202 without a body.
	status, _, body = post(t, s.URL()+"/soap", env11(`<Ping xmlns="http://example.com/shipping/v1"><Message>hi</Message></Ping>`),
		"Content-Type", "text/xml; charset=utf-8", "SOAPAction", `"http://example.com/shipping/Ping"`)
	if status != 202 || body != "" {
		t.Errorf("ping: %d %q", status, body)
	}
	s.Reset()
	if s.Calls("ShippingPort/GetQuote") != 0 {
		t.Error("Reset kept the requests")
	}
}

// TestViolations: requests that break the protocol or the WSDL are
// refused, each with a reason.
func TestViolations(t *testing.T) {
	var v violations
	s := Start(t, Shipping(), Options{OnViolation: v.add})
	ct11 := []string{"Content-Type", "text/xml; charset=utf-8", "SOAPAction", `"http://example.com/shipping/GetQuote"`}
	tests := []struct {
		name, path, body string
		header           []string
		want             string
	}{
		{"no SOAPAction", "/soap", env11(quote), []string{"Content-Type", "text/xml; charset=utf-8"}, "needs one SOAPAction header"},
		{"unquoted SOAPAction", "/soap", env11(quote), []string{"Content-Type", "text/xml; charset=utf-8", "SOAPAction", "http://example.com/shipping/GetQuote"}, "not a quoted string"},
		{"wrong action", "/soap", env11(quote), []string{"Content-Type", "text/xml; charset=utf-8", "SOAPAction", `"urn:other"`}, `action "urn:other", the WSDL says "http://example.com/shipping/GetQuote"`},
		{"no charset", "/soap", env11(quote), []string{"Content-Type", "text/xml", "SOAPAction", `"x"`}, "want charset=utf-8"},
		{"JSON", "/soap", `{}`, []string{"Content-Type", "application/json; charset=utf-8"}, "neither SOAP 1.1's text/xml nor SOAP 1.2's"},
		{"1.2 body as 1.1", "/soap", env12(quote), ct11, "not SOAP 1.1's Envelope"},
		{"1.2 with SOAPAction", "/soap12", env12(quote), []string{"Content-Type", `application/soap+xml; charset=utf-8; action="http://example.com/shipping/GetQuote"`, "SOAPAction", `"x"`}, "the action goes in the Content-Type"},
		{"1.2 without action", "/soap12", env12(quote), []string{"Content-Type", `application/soap+xml; charset=utf-8`}, `action "", the WSDL says`},
		{"wrong port", "/soap12", env11(quote), ct11, "its port's address is /soap"},
		{"unknown element", "/soap", env11(`<GetQuote xmlns="urn:other"/>`), ct11, "no SOAP 1.1 operation takes the body element {urn:other}GetQuote"},
		{"undeclared prefix", "/soap", env11(`<q:GetQuote/>`), ct11, "undeclared prefix"},
		{"mismatched end tag", "/soap", env11(`<GetQuote xmlns="http://example.com/shipping/v1"></Quote>`), ct11, "does not close"},
		{"DTD", "/soap", `<!DOCTYPE x [<!ENTITY a "b">]>` + env11(quote), ct11, "which SOAP forbids"},
		{"two body elements", "/soap", env11(quote + quote), ct11, "the Body holds 2 elements"},
		{"no body", "/soap", `<s:Envelope xmlns:s="` + NS11 + `"/>`, ct11, "no Body"},
		{"GET", "/soap", "", nil, "method GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			if tt.name == "GET" {
				resp, err := http.Get(s.URL() + tt.path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				status = resp.StatusCode
			} else {
				status, _, _ = post(t, s.URL()+tt.path, tt.body, tt.header...)
			}
			if status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", status)
			}
			errs := v.take()
			if len(errs) != 1 || !strings.Contains(errs[0], tt.want) {
				t.Errorf("violations %q, want one saying %q", errs, tt.want)
			}
		})
	}
	if n := s.Calls("ShippingPort/GetQuote") + s.Calls("ShippingPort12/GetQuote"); n != 0 {
		t.Errorf("%d refused requests were recorded", n)
	}
}

// TestModes: each mode changes the answer as documented, after the
// request was recorded.
func TestModes(t *testing.T) {
	s := Start(t, Shipping(), Options{})
	call := func(version string) (int, string, string) {
		if version == V12 {
			return post(t, s.URL()+"/soap12", env12(quote), "Content-Type", `application/soap+xml; charset=utf-8; action="http://example.com/shipping/GetQuote"`)
		}
		return post(t, s.URL()+"/soap", env11(quote), "Content-Type", "text/xml; charset=utf-8", "SOAPAction", `"http://example.com/shipping/GetQuote"`)
	}
	detail := E("urn:err", "Problem", A("", "id", "7"), E("urn:err", "Field", "zip"))
	s.Set("ShippingPort/GetQuote", Mode{Fault: &Fault{Code: "Server", String: "down <now>", Actor: "urn:actor", Detail: []*Node{detail}}})
	status, _, body := call(V11)
	root, err := parse(strings.NewReader(body))
	if status != 500 || err != nil {
		t.Fatalf("1.1 fault: %d %v\n%s", status, err, body)
	}
	f := root.Find("Body/Fault")
	code, err := f.Child("faultcode").QName(f.Get("faultcode"))
	if err != nil || code != (xml.Name{Space: NS11, Local: "Server"}) || f.Get("faultstring") != "down <now>" || f.Get("faultactor") != "urn:actor" ||
		f.Get("detail/Problem/@id") != "7" || f.Find("detail/Problem/Field").Name.Space != "urn:err" {
		t.Errorf("1.1 fault %s (%v)", f, code)
	}

	s.Set("ShippingPort12/GetQuote", Mode{Fault: &Fault{Code: "Sender", Subcode: xml.Name{Space: "urn:err", Local: "BadZip"}, String: "no", Node: "urn:node", Actor: "urn:role", Detail: []*Node{detail}}})
	status, _, body = call(V12)
	root, err = parse(strings.NewReader(body))
	if status != 400 || err != nil {
		t.Fatalf("1.2 fault: %d %v\n%s", status, err, body)
	}
	f = root.Find("Body/Fault")
	sub, err := f.Find("Code/Subcode/Value").QName(f.Get("Code/Subcode/Value"))
	if err != nil || sub != (xml.Name{Space: "urn:err", Local: "BadZip"}) || f.Get("Reason/Text") != "no" || f.Get("Reason/Text/@lang") != "en" ||
		f.Get("Node") != "urn:node" || f.Get("Role") != "urn:role" || f.Get("Detail/Problem/Field") != "zip" {
		t.Errorf("1.2 fault %s", f)
	}

	s.Set("ShippingPort/GetQuote", Mode{Status: 503, Raw: []byte("<html><body>busy</body></html>"), ContentType: "text/html"})
	if status, ct, body := call(V11); status != 503 || ct != "text/html" || body != "<html><body>busy</body></html>" {
		t.Errorf("raw: %d %s %q", status, ct, body)
	}
	s.Set("ShippingPort/GetQuote", Mode{Cut: true})
	if _, _, body := call(V11); !strings.HasPrefix(body, "<?xml") || strings.HasSuffix(strings.TrimSpace(body), "</soap:Envelope>") {
		t.Errorf("cut: %q", body)
	} else if _, err := parse(strings.NewReader(body)); err == nil {
		t.Error("a cut answer parses")
	}
	s.Set("ShippingPort/GetQuote", Mode{EnvelopeNS: "urn:not-soap"})
	if _, _, body := call(V11); !strings.Contains(body, `xmlns:soap="urn:not-soap"`) || strings.Contains(body, NS11) {
		t.Errorf("envelope namespace: %s", body)
	}
	s.Set("ShippingPort/GetQuote", Mode{Pad: 100000})
	_, _, body = call(V11)
	if root, err := parse(strings.NewReader(body)); len(body) < 100000 || err != nil || root.Find("Body/GetQuoteResponse") == nil {
		t.Errorf("padded: %d bytes, %v", len(body), err)
	}

	// Hold: nothing comes until the client gives up.
	s.Set("ShippingPort/GetQuote", Mode{Hold: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/soap", strings.NewReader(env11(quote)))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"http://example.com/shipping/GetQuote"`)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("a held answer came")
	}
	s.Clear("ShippingPort/GetQuote")
	if status, _, _ := call(V11); status != 200 {
		t.Errorf("after Clear: %d", status)
	}
	if n := s.Calls("ShippingPort/GetQuote"); n != 7 {
		t.Errorf("%d calls recorded, want 7", n)
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestWriteFixture: the copy's addresses point at the server, on the
// lines they had.
func TestWriteFixture(t *testing.T) {
	s := Start(t, Edge(), Options{})
	dir := t.TempDir()
	p, err := s.WriteFixture(filepath.Join("..", "..", "upstreams", "soap", "wsdl", "testdata", "wsdl"), dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join("..", "..", "upstreams", "soap", "wsdl", "testdata", "wsdl", "edge", "edge.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(got, []byte("\n")) != bytes.Count(orig, []byte("\n")) {
		t.Error("lines moved")
	}
	for _, want := range []string{`<soap:address location="` + s.URL() + `/a"/>`, `<soap:address location="` + s.URL() + `/b"/>`, `<http:address location="` + s.URL() + `/http"/>`} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("no %s", want)
		}
	}
	if bytes.Contains(got, []byte("edge.example.com")) {
		t.Error("an address was left")
	}
}

// TestNode reads and writes the element tree.
func TestNode(t *testing.T) {
	n, err := parse(strings.NewReader(`<a:x xmlns:a="urn:a" xmlns:xsi="` + NSXSI + `" a:k="1" plain="2"><y xsi:nil="true"/><a:z>t&amp;u</a:z><a:z>v</a:z></a:x>`))
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != (xml.Name{Space: "urn:a", Local: "x"}) || !n.Child("y").Nil() || n.Child("y").Name.Space != "" || n.Get("z[1]") != "v" || n.Get("z") != "t&u" {
		t.Errorf("read %s", n)
	}
	if v, _ := n.AttrNS("urn:a", "k"); v != "1" {
		t.Errorf("qualified attribute %q", v)
	}
	if n.Get("@plain") != "2" || n.Get("z[2]") != "" || n.Find("q/r") != nil {
		t.Error("Get")
	}
	again, err := parse(strings.NewReader(n.String()))
	if err != nil || again.String() != n.String() {
		t.Errorf("written %s, read back %v %s", n, err, again)
	}
	if q, err := n.QName("a:t"); err != nil || q.Space != "urn:a" {
		t.Errorf("QName %v %v", q, err)
	}
	if _, err := n.QName("b:t"); err == nil {
		t.Error("an undeclared prefix resolved")
	}
}

// FuzzParse: the request reader never panics, and what it reads it writes
// back as XML it reads the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{env11(quote), env12(quote), `<a xmlns="urn:x"><b xmlns="">t</b></a>`, `<a:b xmlns:a="urn:a" a:c="d"/>`, `<!DOCTYPE a><a/>`, `<a></b>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parse(strings.NewReader(s))
		if err != nil {
			return
		}
		out := n.String()
		again, err := parse(strings.NewReader(out))
		if err != nil {
			t.Fatalf("written %q does not read: %v", out, err)
		}
		if again.String() != out {
			t.Fatalf("rewritten differs:\n%s\n%s", out, again.String())
		}
	})
}

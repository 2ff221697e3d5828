package envelope

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

// shippingServer is a SOAP service written with encoding/xml alone, apart
// from the codec: it reads GetQuote requests in either SOAP version and
// answers quotes computed from them, or a fault for the zip code 00000.
// It checks the transport headers the runtime must send.
func shippingServer(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var version, envNS, action string
		switch ct {
		case "text/xml":
			version, envNS = "1.1", NS11
			action = strings.Trim(r.Header.Get("SOAPAction"), `"`)
		case "application/soap+xml":
			version, envNS = "1.2", NS12
			action = params["action"]
		default:
			http.Error(w, "unsupported media type "+ct, http.StatusUnsupportedMediaType)
			return
		}
		if params["charset"] != "utf-8" {
			http.Error(w, "charset", http.StatusBadRequest)
			return
		}
		var req struct {
			XMLName xml.Name
			Body    struct {
				Ping *struct {
					Message string `xml:"http://example.com/shipping/v1 Message"`
				} `xml:"http://example.com/shipping/v1 Ping"`
				GetQuote *struct {
					FromZip string `xml:"http://example.com/shipping/v1 FromZip"`
					ToZip   string `xml:"http://example.com/shipping/v1 ToZip"`
					Parcels []struct {
						Weight   string   `xml:"http://example.com/shipping/v1 Weight"`
						Contents []string `xml:"http://example.com/shipping/v1 Contents"`
					} `xml:"http://example.com/shipping/v1 Parcel"`
					Service string `xml:"http://example.com/shipping/v1 Service"`
				} `xml:"http://example.com/shipping/v1 GetQuote"`
			} `xml:"Body"`
		}
		if err := xml.NewDecoder(r.Body).Decode(&req); err != nil || req.XMLName.Space != envNS {
			http.Error(w, fmt.Sprintf("not a SOAP %s envelope: %v", version, err), http.StatusBadRequest)
			return
		}
		if req.Body.Ping != nil {
			if action != "http://example.com/shipping/Ping" {
				http.Error(w, "wrong action "+action, http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			return
		}
		q := req.Body.GetQuote
		if q == nil || action != "http://example.com/shipping/GetQuote" {
			http.Error(w, "not a GetQuote, or the wrong action "+action, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", ContentType(version, ""))
		if q.FromZip == "00000" {
			w.WriteHeader(http.StatusInternalServerError)
			if version == "1.1" {
				fmt.Fprintf(w, `<s:Envelope xmlns:s="%s"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>no such zip %s</faultstring><detail><zip>%s</zip></detail></s:Fault></s:Body></s:Envelope>`, NS11, q.FromZip, q.FromZip)
			} else {
				fmt.Fprintf(w, `<s:Envelope xmlns:s="%s"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en">no such zip %s</s:Text></s:Reason><s:Detail><zip>%s</zip></s:Detail></s:Fault></s:Body></s:Envelope>`, NS12, q.FromZip, q.FromZip)
			}
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="%s"><s:Body><GetQuoteResponse xmlns="http://example.com/shipping/v1">`, envNS)
		for i, c := range carriers {
			total := new(big.Rat)
			for _, p := range q.Parcels {
				wgt, ok := new(big.Rat).SetString(p.Weight)
				if !ok {
					http.Error(w, "bad weight "+p.Weight, http.StatusBadRequest)
					return
				}
				total.Add(total, wgt)
			}
			total.Mul(total, c.rate)
			service := q.Service
			if service == "" {
				service = "Ground"
			}
			fmt.Fprintf(&b, `<GetQuoteResult><Carrier active="%v"><Code>%s</Code><Name>%s &amp; Co</Name></Carrier><Service>%s</Service><Price currency="EUR">%s</Price><TransitDays>%d</TransitDays><Expires>2030-01-01T00:00:00Z</Expires><QuoteId>%d</QuoteId></GetQuoteResult>`,
				i == 0, c.code, c.code, service, total.FloatString(4), len(q.ToZip)+i, int64(1)<<53+int64(i)+1)
		}
		b.WriteString(`</GetQuoteResponse></s:Body></s:Envelope>`)
		_, _ = w.Write([]byte(b.String()))
	}))
}

var carriers = []struct {
	code string
	rate *big.Rat
}{
	{"UPS", big.NewRat(3, 2)},
	{"DHL", big.NewRat(7, 4)},
}

// call does what the runtime does for one field: encode, POST, decode
// whatever the status.
func call(t *testing.T, client *http.Client, url string, op *wsdl.Operation, request string) ([]byte, error) {
	t.Helper()
	env, err := Encode(nil, op, []byte(request), nil, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ContentType(op.SOAPVersion, op.SOAPAction))
	if v, ok := ActionHeader(op.SOAPVersion, op.SOAPAction); ok {
		req.Header.Set("SOAPAction", v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusBadRequest {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		t.Fatalf("the server refused the request: %s\n%s", b.String(), env)
	}
	return Decode(nil, resp.Body, op, DecodeOptions{})
}

// TestServer calls a SOAP server over HTTP in both SOAP versions: the
// quotes it computes from the request come back as the field's JSON, its
// faults as *Fault, and a one-way call as true.
func TestServer(t *testing.T) {
	srv := shippingServer(t)
	defer srv.Close()
	ops := operations(t)
	for _, port := range []string{"ShippingPort", "ShippingPort12"} {
		t.Run(port, func(t *testing.T) {
			op := ops[port+"/GetQuote"]
			got, err := call(t, srv.Client(), srv.URL, op, `{"fromZip": "10001", "toZip": "9021", "parcel": [{"weight": "1.25", "contents": ["a&b"]}, {"weight": 2}], "service": "_2nd_Day"}`)
			if err != nil {
				t.Fatal(err)
			}
			// 3.25 kg at 1.5 and 1.75 a kg; transit days from the zip's length.
			want := `[
				{"carrier": {"code": "UPS", "name": "UPS & Co", "active": true}, "service": "_2nd_Day", "price": {"value": "4.8750", "currency": "EUR"},
				 "transitDays": 4, "expires": "2030-01-01T00:00:00Z", "quoteId": "9007199254740993"},
				{"carrier": {"code": "DHL", "name": "DHL & Co", "active": false}, "service": "_2nd_Day", "price": {"value": "5.6875", "currency": "EUR"},
				 "transitDays": 5, "expires": "2030-01-01T00:00:00Z", "quoteId": "9007199254740994"}]`
			if !sameJSON(t, string(got), want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}

			_, err = call(t, srv.Client(), srv.URL, op, `{"fromZip": "00000", "toZip": "1", "parcel": [{"weight": 1}]}`)
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("error %v, want a fault", err)
			}
			if f.String != "no such zip 00000" || f.Detail != `{"zip":"00000"}` || f.Version != op.SOAPVersion {
				t.Errorf("fault %+v", f)
			}

			got, err = call(t, srv.Client(), srv.URL, ops[port+"/Ping"], `{"message": "hi"}`)
			if err != nil || string(got) != "true" {
				t.Errorf("ping: %s, %v", got, err)
			}
		})
	}
}

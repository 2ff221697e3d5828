// Package shipping is the demo shop's SOAP shipping service: it quotes the
// cost and days of sending a product to a zip code, over SOAP 1.1,
// document/literal wrapped, as internal/demo/config/shipping.wsdl
// describes. It reads envelopes with encoding/xml, which expands no
// entities, and answers bad requests with SOAP Faults, as a real service
// does.
package shipping

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Namespaces of the service.
const (
	// Namespace is the service's target namespace.
	Namespace = "urn:weft-demo:shipping"
	// EnvelopeNS is SOAP 1.1's envelope namespace.
	EnvelopeNS = "http://schemas.xmlsoap.org/soap/envelope/"
	// Action is GetQuote's SOAPAction.
	Action = "urn:weft-demo:shipping/GetQuote"
	// Path is where the service is served.
	Path = "/shipping"
)

// maxBody bounds a request envelope; quotes are tiny.
const maxBody = 64 << 10

// seedProducts is how many products the catalog has before generated ones.
const seedProducts = 5

// Handler serves GetQuote for products 1 to 5+generated.
type Handler struct {
	products int
	observe  func()
}

// NewHandler returns the service for the catalog's products (5 seed ones
// and generated more); observe, if set, is called once per quote asked.
func NewHandler(generated int, observe func()) *Handler {
	return &Handler{products: seedProducts + generated, observe: observe}
}

// request is GetQuote's body element.
type request struct {
	XMLName xml.Name `xml:"urn:weft-demo:shipping GetQuote"`
	UPC     string   `xml:"urn:weft-demo:shipping upc"`
	Zip     string   `xml:"urn:weft-demo:shipping zip"`
}

type envelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Quote *request `xml:"urn:weft-demo:shipping GetQuote"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a SOAP envelope", http.StatusMethodNotAllowed)
		return
	}
	if h.observe != nil {
		h.observe()
	}
	var env envelope
	dec := xml.NewDecoder(io.LimitReader(r.Body, maxBody))
	if err := dec.Decode(&env); err != nil {
		fault(w, "soap:Client", "the request is not a SOAP 1.1 envelope: "+err.Error())
		return
	}
	q := env.Body.Quote
	if q == nil {
		fault(w, "soap:Client", "the body holds no GetQuote")
		return
	}
	cost, days, carrier, err := h.quote(q.UPC, q.Zip)
	if err != nil {
		fault(w, "soap:Client", err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="%s"><soap:Body><GetQuoteResponse xmlns="%s"><quote><cost>%d</cost><days>%d</days><carrier>%s</carrier></quote></GetQuoteResponse></soap:Body></soap:Envelope>
`, EnvelopeNS, Namespace, cost, days, carrier)
}

// quote prices a parcel: a base by product, more for farther zones (the
// zip's first digit); heavy products go by freight.
func (h *Handler) quote(upc, zip string) (cost, days int, carrier string, err error) {
	n, err := strconv.Atoi(upc)
	if err != nil || n < 1 || n > h.products {
		return 0, 0, "", fmt.Errorf("unknown product %q", upc)
	}
	if len(zip) != 5 {
		return 0, 0, "", errors.New("zip must be 5 digits")
	}
	for _, c := range zip {
		if c < '0' || c > '9' {
			return 0, 0, "", errors.New("zip must be 5 digits")
		}
	}
	zone := int(zip[0]-'0') / 3 // 0..3
	cost = 495 + (n%7)*100 + zone*250
	days = 1 + zone
	switch {
	case n%5 == 2: // the couch, and every fifth product after it
		carrier, cost, days = "FREIGHT", cost+2500, days+3
	case zone == 0:
		carrier = "COURIER"
	default:
		carrier = "POST"
	}
	return cost, days, carrier, nil
}

// fault answers with a SOAP 1.1 Fault and HTTP 500, as SOAP 1.1 says.
func fault(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(msg))
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="%s"><soap:Body><soap:Fault><faultcode>%s</faultcode><faultstring>%s</faultstring></soap:Fault></soap:Body></soap:Envelope>
`, EnvelopeNS, code, esc.Bytes())
}

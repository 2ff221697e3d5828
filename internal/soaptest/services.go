package soaptest

import (
	"encoding/base64"
	"encoding/xml"
	"math/big"
	"strconv"
	"strings"
	"unicode"
)

// The fixtures' namespaces.
const (
	NSShipping  = "http://example.com/shipping/v1"
	NSCommon    = "http://example.com/common/v1"
	NSLegacy    = "urn:example:legacy"
	NSLegacyT   = "urn:example:legacy:types"
	NSInventory = "http://example.com/inventory"
	NSEdge      = "urn:edge"
)

// Shipping is shipping/shipping.wsdl: document/literal wrapped, in a SOAP
// 1.1 port (ShippingPort, at /soap) and a SOAP 1.2 port (ShippingPort12,
// at /soap12) of the same operations.
//
//   - GetQuote: one quote per carrier (UPS at 3/2, DHL at 7/4 a kg of
//     the parcels' total weight; transit days from the destination zip's
//     first digit), in the service level asked (Ground by default); a
//     ToZip that is not 5 digits is a Client fault with a ZipError detail.
//   - ListCarriers: three carriers.
//   - CreateShipment: the shipment with id 18446744073709551615, the
//     addresses sent (From again as Billing, without its shipping-only
//     parts), the parcels and pickup or drop-off sent, status "null" when
//     Reference is nil and "created" otherwise, a delivery window, and the
//     base64 of "label for <To's city>".
//   - CancelShipment: cancelled when force or a reason is given, with a
//     refund of 12.50 USD.
//   - TrackShipment: two events at "depot of <AuthHeader's Username>"; a
//     Client fault without the AuthHeader header.
//   - Ping: one-way, HTTP 202.
func Shipping() *Service {
	svc := &Service{Fixture: "shipping/shipping.wsdl"}
	for _, port := range []struct{ name, path, version string }{{"ShippingPort", "/soap", V11}, {"ShippingPort12", "/soap12", V12}} {
		for _, op := range []struct {
			name   string
			handle func(*Request) Answer
		}{
			{"GetQuote", getQuote}, {"ListCarriers", listCarriers}, {"CreateShipment", createShipment},
			{"CancelShipment", cancelShipment}, {"TrackShipment", trackShipment},
			{"Ping", func(*Request) Answer { return Answer{Status: 202} }},
		} {
			svc.Operations = append(svc.Operations, &Operation{
				Name: port.name + "/" + op.name, Path: port.path, Version: port.version,
				Action: "http://example.com/shipping/" + op.name, Element: xml.Name{Space: NSShipping, Local: op.name},
				Handle: op.handle,
			})
		}
	}
	return svc
}

type carrier struct {
	code, name string
	rate       *big.Rat
	active     bool
}

// shippingCarriers are the carriers that quote, with their rates a kg.
func shippingCarriers() []carrier {
	return []carrier{
		{"UPS", "United Parcel & Co", big.NewRat(3, 2), true},
		{"DHL", "DHL <Express>", big.NewRat(7, 4), false},
	}
}

func (c carrier) node() *Node {
	return E(NSShipping, "Carrier", A("", "active", strconv.FormatBool(c.active)),
		E(NSShipping, "Code", c.code), E(NSShipping, "Name", c.name))
}

func fiveDigits(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func getQuote(r *Request) Answer {
	q := r.Body
	to := q.Get("ToZip")
	if !fiveDigits(to) {
		return ClientFault(r, "unknown zip "+to, E(NSShipping, "ZipError", E(NSShipping, "Zip", to), E(NSShipping, "Reason", "not 5 digits")))
	}
	total := new(big.Rat)
	for _, p := range q.All("Parcel") {
		w, ok := new(big.Rat).SetString(p.Get("Weight"))
		if !ok {
			return ClientFault(r, "bad weight "+p.Get("Weight"))
		}
		total.Add(total, w)
	}
	service := q.Get("Service")
	if service == "" {
		service = "Ground"
	}
	var results []*Node
	for i, c := range shippingCarriers() {
		price := new(big.Rat).Mul(total, c.rate)
		results = append(results, E(NSShipping, "GetQuoteResult",
			c.node(),
			E(NSShipping, "Service", service),
			E(NSShipping, "Price", A("", "currency", "EUR"), price.FloatString(2)),
			E(NSShipping, "TransitDays", strconv.Itoa(int(to[0]-'0')+i+1)),
			E(NSShipping, "Expires", "2030-01-01T00:00:00Z"),
			E(NSShipping, "QuoteId", strconv.FormatInt(1<<53+1+int64(i), 10))))
	}
	return Answer{Body: E(NSShipping, "GetQuoteResponse", results)}
}

func listCarriers(*Request) Answer {
	var cs []*Node
	for _, c := range shippingCarriers() {
		cs = append(cs, c.node())
	}
	cs = append(cs, carrier{code: "ACME", name: "Acme Freight", active: false}.node())
	return Answer{Body: E(NSShipping, "ListCarriersResponse", cs)}
}

func createShipment(r *Request) Answer {
	b := r.Body
	from, to := b.Child("From"), b.Child("To")
	if from == nil || to == nil || len(b.All("Parcels")) == 0 {
		return ClientFault(r, "a shipment needs From, To and parcels")
	}
	status := "created"
	if ref := b.Child("Reference"); ref != nil && ref.Nil() {
		status = "null"
	}
	// Billing is a common Address: From without the parts shipping adds.
	billing := E(NSShipping, "Billing")
	for _, c := range from.Children {
		if c.Name.Space == "" {
			billing.Children = append(billing.Children, c.Clone())
		}
	}
	for _, a := range from.Attrs {
		if a.Name.Local != "residential" {
			billing.Attrs = append(billing.Attrs, a)
		}
	}
	earliest := "2030-01-02T09:00:00Z"
	var handover *Node
	if p := b.Child("Pickup"); p != nil {
		earliest, handover = p.Text, p.Clone()
	} else if d := b.Child("DropOff"); d != nil {
		handover = d.Clone()
	}
	var parcels []*Node
	for _, p := range b.All("Parcels") {
		parcels = append(parcels, p.Clone())
	}
	return Answer{Body: E(NSShipping, "CreateShipmentResponse", E(NSShipping, "Shipment",
		E(NSShipping, "Id", "18446744073709551615"),
		from.Clone(), to.Clone(), billing, parcels, handover,
		E(NSShipping, "Status", status),
		E(NSShipping, "Delivery", E("", "Earliest", earliest), E("", "Level", "2nd-Day")),
		E(NSShipping, "Label", base64.StdEncoding.EncodeToString([]byte("label for "+to.Get("City")))),
	))}
}

func cancelShipment(r *Request) Answer {
	b := r.Body
	if _, err := strconv.ParseUint(b.Get("Id"), 10, 64); err != nil {
		return ClientFault(r, "bad id "+b.Get("Id"))
	}
	force, _ := b.Attr("force")
	cancelled := force == "true" || force == "1" || b.Get("Reason") != ""
	resp := E(NSShipping, "CancelShipmentResponse", E(NSShipping, "Cancelled", strconv.FormatBool(cancelled)))
	if cancelled {
		resp.Children = append(resp.Children, E(NSShipping, "Refund", A("", "currency", "USD"), "12.50"))
	}
	return Answer{Body: resp}
}

func trackShipment(r *Request) Answer {
	auth := r.SOAPHeader("AuthHeader")
	if auth == nil || auth.Name.Space != NSShipping {
		return ClientFault(r, "no AuthHeader")
	}
	where := "depot of " + auth.Get("Username")
	return Answer{Body: E(NSShipping, "TrackShipmentResponse", E(NSShipping, "Events",
		E(NSShipping, "Event", E(NSShipping, "At", "2030-01-01T08:00:00Z"), E(NSShipping, "Where", where), E(NSShipping, "Code", "100")),
		E(NSShipping, "Event", E(NSShipping, "At", "2030-01-02T08:00:00+02:00"), E(NSShipping, "Where", "hub "+r.Body.Get("Id")), E(NSShipping, "Code", "200")),
	))}
}

// Legacy is legacy/legacy.wsdl: rpc/literal operations at /rpc
// (LegacyPort) and rpc/encoded ones at /encoded (LegacyEncodedPort), SOAP
// 1.1.
//
//   - Echo: the everything part, back as the result part.
//   - Describe: the node tree, every Name upper-cased.
//   - Spin: the ring, every Value doubled.
//   - Store: ok when the record has a traceId; id is the extra part's Id
//     times 1000 plus the number of pairs.
//   - Validate: "valid: N characters" of the request's Text, or
//     "invalid: empty".
//   - Sum: the sum of the encoded array's items, as xsd:long.
//   - Listing: the encoded array 3, 1, 2.
func Legacy() *Service {
	op := func(name, path, action string, handle func(*Request) Answer) *Operation {
		return &Operation{Name: name, Path: path, Version: V11, Action: action,
			Element: xml.Name{Space: NSLegacy, Local: name[strings.IndexByte(name, '/')+1:]}, Handle: handle}
	}
	return &Service{Fixture: "legacy/legacy.wsdl", Operations: []*Operation{
		op("LegacyPort/Echo", "/rpc", "urn:example:legacy#Echo", echo),
		op("LegacyPort/Describe", "/rpc", "urn:example:legacy#Describe", describe),
		op("LegacyPort/Spin", "/rpc", "urn:example:legacy#Spin", spin),
		op("LegacyPort/Store", "/rpc", "urn:example:legacy#Store", store),
		op("LegacyPort/Validate", "/rpc", "urn:example:legacy#Validate", validate),
		op("LegacyEncodedPort/Sum", "/encoded", "", sum),
		op("LegacyEncodedPort/Listing", "/encoded", "", listing),
	}}
}

// part returns an rpc part, unqualified as rpc/literal has it.
func part(r *Request, name string) (*Node, *Answer) {
	p := r.Body.Child(name)
	if p == nil || p.Name.Space != "" {
		a := ClientFault(r, "no unqualified part "+name)
		return nil, &a
	}
	return p, nil
}

func echo(r *Request) Answer {
	p, fault := part(r, "everything")
	if fault != nil {
		return *fault
	}
	return Answer{Body: E(NSLegacy, "EchoResponse", p.Renamed("", "result"))}
}

func describe(r *Request) Answer {
	p, fault := part(r, "node")
	if fault != nil {
		return *fault
	}
	n := p.Renamed("", "node")
	var upper func(n *Node)
	upper = func(n *Node) {
		for _, c := range n.Children {
			if c.Name.Local == "Name" {
				c.Text = strings.ToUpper(c.Text)
			} else {
				upper(c)
			}
		}
	}
	upper(n)
	return Answer{Body: E(NSLegacy, "DescribeResponse", n)}
}

func spin(r *Request) Answer {
	p, fault := part(r, "ring")
	if fault != nil {
		return *fault
	}
	ring := p.Renamed("", "ring")
	for n := ring; n != nil; n = n.Child("Next") {
		v := n.Child("Value")
		if v == nil {
			return ClientFault(r, "a ring without a Value")
		}
		k, err := strconv.Atoi(v.Text)
		if err != nil {
			return ClientFault(r, "bad ring value "+v.Text)
		}
		v.Text = strconv.Itoa(2 * k)
	}
	return Answer{Body: E(NSLegacy, "SpinResponse", ring)}
}

func store(r *Request) Answer {
	record, fault := part(r, "record")
	if fault != nil {
		return *fault
	}
	extra, fault := part(r, "extra")
	if fault != nil {
		return *fault
	}
	pairs, fault := part(r, "pairs")
	if fault != nil {
		return *fault
	}
	id, err := strconv.ParseInt(extra.Get("Id"), 10, 64)
	if err != nil {
		return ClientFault(r, "bad extra id")
	}
	_, traced := record.Attr("traceId")
	return Answer{Body: E(NSLegacy, "StoreResponse",
		E("", "ok", strconv.FormatBool(traced)),
		E("", "id", strconv.FormatInt(id*1000+int64(len(pairs.All("First"))), 10)))}
}

func validate(r *Request) Answer {
	vr := r.Body.Child("ValidationRequest")
	if vr == nil || vr.Name.Space != NSLegacyT {
		return ClientFault(r, "no {urn:example:legacy:types}ValidationRequest")
	}
	verdict := "invalid: empty"
	if t := vr.Get("Text"); t != "" {
		verdict = "valid: " + strconv.Itoa(len([]rune(t))) + " characters"
	}
	return Answer{Body: E(NSLegacy, "ValidateResponse", E("", "verdict", verdict))}
}

func sum(r *Request) Answer {
	values, fault := part(r, "values")
	if fault != nil {
		return *fault
	}
	var total int64
	for _, item := range values.Children {
		k, err := strconv.ParseInt(item.Text, 10, 64)
		if err != nil {
			return ClientFault(r, "bad item "+item.Text)
		}
		total += k
	}
	return Answer{Body: E(NSLegacy, "SumResponse", A(NS11, "encodingStyle", NSEnc),
		E("", "sum", A(NSXSI, "type", "xsd:long"), strconv.FormatInt(total, 10)))}
}

func listing(r *Request) Answer {
	items := E("", "items", A(NSXSI, "type", "soapenc:Array"), A(NSEnc, "arrayType", "xsd:int[3]"))
	for _, v := range []string{"3", "1", "2"} {
		items.Children = append(items.Children, E("", "item", A(NSXSI, "type", "xsd:int"), v))
	}
	return Answer{Body: E(NSLegacy, "ListingResponse", A(NS11, "encodingStyle", NSEnc), items)}
}

// Inventory is inventory/inventory.wsdl: SOAP 1.2 only, document/literal
// bare, at /soap12 (InventoryPort).
//
//   - CheckStock: 7 units a character of the Sku, in warehouse W-<sku>.
//   - ReserveStock: an empty Body (the output message has no part); a
//     Sender fault for a priority other than low or high.
//   - Warehouses: AMS (open) and BER (closed, written 0).
func Inventory() *Service {
	return &Service{Fixture: "inventory/inventory.wsdl", Operations: []*Operation{
		{Name: "InventoryPort/CheckStock", Path: "/soap12", Version: V12, Action: "http://example.com/inventory/CheckStock",
			Element: xml.Name{Space: NSInventory, Local: "Sku"}, Handle: checkStock},
		{Name: "InventoryPort/ReserveStock", Path: "/soap12", Version: V12, Action: "http://example.com/inventory/ReserveStock",
			Element: xml.Name{Space: NSInventory, Local: "Reservation"}, Handle: reserveStock},
		{Name: "InventoryPort/Warehouses", Path: "/soap12", Version: V12, Handle: warehouses},
	}}
}

func checkStock(r *Request) Answer {
	sku := r.Body.Text
	return Answer{Body: E(NSInventory, "StockLevel", A("", "warehouse", "W-"+sku), A("", "updated", "2024-05-01T12:00:00Z"),
		strconv.Itoa(7*len([]rune(sku))))}
}

func reserveStock(r *Request) Answer {
	if p, ok := r.Body.Attr("priority"); ok && p != "low" && p != "high" {
		return ClientFault(r, "priority "+p)
	}
	if _, ok := new(big.Int).SetString(r.Body.Get("Quantity"), 10); !ok {
		return ClientFault(r, "bad quantity "+r.Body.Get("Quantity"))
	}
	return Answer{}
}

func warehouses(*Request) Answer {
	return Answer{Body: E(NSInventory, "Warehouses",
		E(NSInventory, "Warehouse", E(NSInventory, "Code", "AMS"), E(NSInventory, "Open", "true")),
		E(NSInventory, "Warehouse", E(NSInventory, "Code", "BER"), E(NSInventory, "Open", "0")))}
}

// Edge is edge/edge.wsdl: document/literal bare, SOAP 1.1, two services
// whose ports share the name Main (EdgeService's at /a, OtherService's at
// /b). Each operation answers Ok:
//
//   - EdgeService/Main/Lookup: the Id is even.
//   - EdgeService/Main/CheckAvailability: the Id is positive.
//   - EdgeService/Main/CheckIn: the unqualified code is not empty.
//   - OtherService/Main/Lookup: the Name starts with an upper-case letter.
func Edge() *Service {
	answer := func(ok bool) Answer {
		return Answer{Body: E(NSEdge, "Answer", E(NSEdge, "Ok", strconv.FormatBool(ok)))}
	}
	id := func(r *Request) int {
		n, _ := strconv.Atoi(r.Body.Text)
		return n
	}
	return &Service{Fixture: "edge/edge.wsdl", Operations: []*Operation{
		{Name: "EdgeService/Main/Lookup", Path: "/a", Version: V11, Action: "urn:edge#Lookup", Element: xml.Name{Space: NSEdge, Local: "Id"},
			Handle: func(r *Request) Answer { return answer(id(r)%2 == 0) }},
		{Name: "EdgeService/Main/CheckAvailability", Path: "/a", Version: V11, Element: xml.Name{Space: NSEdge, Local: "Id"},
			Handle: func(r *Request) Answer { return answer(id(r) > 0) }},
		{Name: "EdgeService/Main/CheckIn", Path: "/a", Version: V11, Element: xml.Name{Local: "code"},
			Handle: func(r *Request) Answer { return answer(r.Body.Text != "") }},
		{Name: "OtherService/Main/Lookup", Path: "/b", Version: V11, Element: xml.Name{Space: NSEdge, Local: "Name"},
			Handle: func(r *Request) Answer {
				rs := []rune(r.Body.Text)
				return answer(len(rs) > 0 && unicode.IsUpper(rs[0]))
			}},
	}}
}

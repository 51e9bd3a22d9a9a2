package web

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/grafana/sobek"
)

// The header-list operations of js/fetch.js's Headers, done in Go: the
// checks the Fetch standard makes on names and values cost a few
// nanoseconds here and many bytecodes in the interpreter.
//
// A header list in JS is a flat array [name, lowercased name, value, …]
// (three slots an entry) of byte strings (each code unit ≤ U+00FF); here
// its strings are UTF-8. The operations change the JS array in place, as
// a Request's inner request and its Headers share it.

// hentry is an entry of a header list.
type hentry struct{ name, lname, value string }

// Header guards (fetch.js passes their names).
const (
	guardNone = iota
	guardRequest
	guardRequestNoCORS
	guardResponse
	guardImmutable
)

func guardOf(v sobek.Value) int {
	switch v.String() {
	case "request":
		return guardRequest
	case "request-no-cors":
		return guardRequestNoCORS
	case "response":
		return guardResponse
	case "immutable":
		return guardImmutable
	}
	return guardNone
}

// headerOps holds what the header operations of a realm need.
type headerOps struct {
	rt         *sobek.Runtime
	byteString sobek.Callable // idl.ByteString: throws the WebIDL errors
	isEnum     sobek.Callable // Object.prototype.propertyIsEnumerable
}

func (h *headerOps) throwTypeError(msg string) {
	panic(h.rt.NewTypeError(msg))
}

// call calls fn, rethrowing what it throws.
func (h *headerOps) call(fn sobek.Callable, this sobek.Value, args ...sobek.Value) sobek.Value {
	v, err := fn(this, args...)
	if err != nil {
		if ex, ok := err.(*sobek.Exception); ok {
			panic(ex.Value())
		}
		panic(h.rt.NewGoError(err))
	}
	return v
}

// toByteString is WebIDL's ByteString conversion of v, returned as UTF-8;
// whatever is not a string of code points ≤ U+00FF goes through
// idl.ByteString, which converts it or throws its error.
func (h *headerOps) toByteString(v sobek.Value) string {
	if sobek.IsString(v) {
		if s := v.String(); isByteString(s) {
			return s
		}
	}
	return h.call(h.byteString, sobek.Undefined(), v).String()
}

// isByteString reports whether every code point of s is ≤ U+00FF (a lone
// surrogate or U+FFFD is not).
func isByteString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			for _, r := range s[i:] {
				if r > 0xFF {
					return false
				}
			}
			return true
		}
	}
	return true
}

// lowerLatin1 is String.prototype.toLowerCase on a byte string.
func lowerLatin1(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// readList reads the JS header list array.
func readList(v sobek.Value) []hentry {
	a, _ := v.Export().([]any)
	l := make([]hentry, 0, len(a)/3)
	for i := 0; i+2 < len(a); i += 3 {
		l = append(l, hentry{str(a[i]), str(a[i+1]), str(a[i+2])})
	}
	return l
}

// writeList makes the JS array obj hold l, writing only what changed
// from old.
func writeList(obj *sobek.Object, old, l []hentry) {
	i := 0
	for i < len(old) && i < len(l) && old[i] == l[i] {
		i++
	}
	for j := i; j < len(l); j++ {
		_ = obj.Set(strconv.Itoa(3*j), l[j].name)
		_ = obj.Set(strconv.Itoa(3*j+1), l[j].lname)
		_ = obj.Set(strconv.Itoa(3*j+2), l[j].value)
	}
	if len(l) < len(old) {
		_ = obj.Set("length", 3*len(l))
	}
}

// listGet is "get" on a header list: the combined value, ok false for
// none.
func listGet(l []hentry, lname string) (string, bool) {
	var b strings.Builder
	ok := false
	for _, e := range l {
		if e.lname == lname {
			if ok {
				b.WriteString(", ")
			}
			b.WriteString(e.value)
			ok = true
		}
	}
	return b.String(), ok
}

func listContains(l []hentry, lname string) bool {
	for _, e := range l {
		if e.lname == lname {
			return true
		}
	}
	return false
}

// listAppend is "append" on a header list: a name already there keeps
// the case it was first given in.
func listAppend(l []hentry, name, lname, value string) []hentry {
	for _, e := range l {
		if e.lname == lname {
			name = e.name
			break
		}
	}
	return append(l, hentry{name, lname, value})
}

func listDelete(l []hentry, lname string) []hentry {
	out := l[:0:0]
	for _, e := range l {
		if e.lname != lname {
			out = append(out, e)
		}
	}
	return out
}

// normalizeHeaderValue strips leading and trailing HTTP whitespace.
func normalizeHeaderValue(v string) string { return strings.Trim(v, "\t\n\r ") }

var forbiddenRequestNames = map[string]bool{
	"accept-charset": true, "accept-encoding": true, "access-control-request-headers": true,
	"access-control-request-method": true, "connection": true, "content-length": true, "cookie": true,
	"cookie2": true, "date": true, "dnt": true, "expect": true, "host": true, "keep-alive": true,
	"origin": true, "referer": true, "set-cookie": true, "te": true, "trailer": true,
	"transfer-encoding": true, "upgrade": true, "via": true,
}

// forbiddenMethod: CONNECT, TRACE or TRACK, byte-case-insensitively.
func forbiddenMethod(m string) bool {
	return strings.EqualFold(m, "CONNECT") || strings.EqualFold(m, "TRACE") || strings.EqualFold(m, "TRACK")
}

// isForbiddenRequestHeader is Fetch's "forbidden request-header".
func isForbiddenRequestHeader(lname, value string) bool {
	if forbiddenRequestNames[lname] || strings.HasPrefix(lname, "proxy-") || strings.HasPrefix(lname, "sec-") {
		return true
	}
	if lname == "x-http-method" || lname == "x-http-method-override" || lname == "x-method-override" {
		for _, m := range strings.Split(value, ",") {
			if forbiddenMethod(strings.Trim(m, "\t ")) {
				return true
			}
		}
	}
	return false
}

func isForbiddenResponseName(lname string) bool {
	return lname == "set-cookie" || lname == "set-cookie2"
}

// hasCORSUnsafeByte: a CORS-unsafe request-header byte.
func hasCORSUnsafeByte(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 && c != '\t' || c == 0x7F || strings.IndexByte("\"():<>?@[\\]{}", c) >= 0 {
			return true
		}
	}
	return false
}

// isCORSSafelistedRequestHeader is Fetch's "CORS-safelisted
// request-header".
func isCORSSafelistedRequestHeader(lname, value string) bool {
	if utf8.RuneCountInString(value) > 128 {
		return false
	}
	switch lname {
	case "accept":
		return !hasCORSUnsafeByte(value)
	case "accept-language", "content-language":
		for i := 0; i < len(value); i++ {
			c := value[i]
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.IndexByte(" *,-.;=", c) >= 0) {
				return false
			}
		}
		return true
	case "content-type":
		if hasCORSUnsafeByte(value) {
			return false
		}
		m := parseMIMEType(isoEncode(value))
		if m == nil {
			return false
		}
		e := m.Essence()
		return e == "application/x-www-form-urlencoded" || e == "multipart/form-data" || e == "text/plain"
	case "range":
		rest, ok := strings.CutPrefix(value, "bytes=")
		if !ok {
			return false
		}
		first, last, ok := strings.Cut(rest, "-")
		if !ok || first == "" || !allDigits(first) || !allDigits(last) {
			return false
		}
		if last == "" {
			return true
		}
		return digitsValue(first) <= digitsValue(last)
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digitsValue is Number() of a string of ASCII digits.
func digitsValue(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.Inf(1)
	}
	return f
}

func isNoCORSSafelistedRequestHeader(lname, value string) bool {
	switch lname {
	case "accept", "accept-language", "content-language", "content-type":
		return isCORSSafelistedRequestHeader(lname, value)
	}
	return false
}

// validate is Fetch's "validate" for Headers' append and set: false means
// ignore the header silently.
func (h *headerOps) validate(guard int, name, lname, value, op string) bool {
	if !isHTTPToken(name) {
		h.throwTypeError("Failed to execute '" + op + "' on 'Headers': Invalid name")
	}
	if strings.ContainsAny(value, "\x00\n\r") {
		h.throwTypeError("Failed to execute '" + op + "' on 'Headers': Invalid value")
	}
	if guard == guardImmutable {
		h.throwTypeError("Failed to execute '" + op + "' on 'Headers': Headers are immutable")
	}
	if guard == guardRequest && isForbiddenRequestHeader(lname, value) {
		return false
	}
	if guard == guardResponse && isForbiddenResponseName(lname) {
		return false
	}
	return true
}

// append is Headers' "append".
func (h *headerOps) append(l []hentry, guard int, name, value, op string) []hentry {
	value = normalizeHeaderValue(value) // 1. Normalize value.
	lname := lowerLatin1(name)
	if !h.validate(guard, name, lname, value, op) { // 2. Validate.
		return l
	}
	if guard == guardRequestNoCORS { // 3. The combined value must stay no-CORS-safelisted.
		if cur, ok := listGet(l, lname); ok {
			value2 := cur + ", " + value
			if !isNoCORSSafelistedRequestHeader(lname, value2) {
				return l
			}
		} else if !isNoCORSSafelistedRequestHeader(lname, value) {
			return l
		}
	}
	l = listAppend(l, name, lname, value) // 4. Append.
	if guard == guardRequestNoCORS {      // 5. Remove privileged no-CORS request-headers.
		l = listDelete(l, "range")
	}
	return l
}

// set is Headers' set().
func (h *headerOps) set(l []hentry, guard int, name, value string) []hentry {
	value = normalizeHeaderValue(value) // 1. Normalize value.
	lname := lowerLatin1(name)
	if !h.validate(guard, name, lname, value, "set") { // 2. Validate.
		return l
	}
	if guard == guardRequestNoCORS && !isNoCORSSafelistedRequestHeader(lname, value) { // 3.
		return l
	}
	// 4. Set: the first entry with the name takes the value, the others go.
	out := make([]hentry, 0, len(l)+1)
	found := false
	for _, e := range l {
		if e.lname != lname {
			out = append(out, e)
		} else if !found {
			out = append(out, hentry{e.name, lname, value})
			found = true
		}
	}
	if !found {
		out = append(out, hentry{name, lname, value})
	}
	if guard == guardRequestNoCORS { // 5.
		out = listDelete(out, "range")
	}
	return out
}

// headerName validates a name given to delete, get or has: its
// lowercased form.
func (h *headerOps) headerName(v sobek.Value, op string) string {
	name := h.toByteString(v)
	if !isHTTPToken(name) {
		h.throwTypeError("Failed to execute '" + op + "' on 'Headers': Invalid name")
	}
	return lowerLatin1(name)
}

// install sets the header ops of a realm.
func (h *headerOps) install(fr *fetchRealm) {
	r, rt := fr.r, h.rt
	// fetchHeadersRecord(init, keys, fill) converts a record<ByteString,
	// ByteString> HeadersInit (keys: Reflect.ownKeys(init)) to a flat
	// [name, value, …]: WebIDL's record conversion, own enumerable
	// properties in order, key then value. With fill, it returns the
	// header list a new Headers filled with them has.
	r.SetOp("fetchHeadersRecord", func(c sobek.FunctionCall) sobek.Value {
		init := c.Argument(0).ToObject(rt)
		keys := c.Argument(1).ToObject(rt)
		n := int(keys.Get("length").ToInteger())
		out := make([]any, 0, 2*n)
		for i := 0; i < n; i++ {
			key := keys.Get(strconv.Itoa(i))
			if !h.call(h.isEnum, init, key).ToBoolean() {
				continue
			}
			name := h.toByteString(key)
			out = append(out, name, h.toByteString(init.Get(name)))
		}
		if !c.Argument(2).ToBoolean() {
			return rt.NewArray(out...)
		}
		// Fill a new list (guard "none").
		var l []hentry
		for i := 0; i+1 < len(out); i += 2 {
			l = h.append(l, guardNone, out[i].(string), out[i+1].(string), "append")
		}
		vals := make([]any, 0, 3*len(l))
		for _, e := range l {
			vals = append(vals, e.name, e.lname, e.value)
		}
		return rt.NewArray(vals...)
	})
	// fetchFill(list, guard, pairs, op) is Headers "fill" (append each)
	// from a converted flat [name, value, …].
	r.SetOp("fetchFill", func(c sobek.FunctionCall) sobek.Value {
		obj := c.Argument(0).ToObject(rt)
		old := readList(obj)
		guard := guardOf(c.Argument(1))
		pairs, _ := c.Argument(2).Export().([]any)
		op := c.Argument(3).String()
		l := old
		if len(pairs) > 0 {
			l = append(old[:len(old):len(old)], make([]hentry, 0, len(pairs)/2)...)
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			l = h.append(l, guard, str(pairs[i]), str(pairs[i+1]), op)
		}
		writeList(obj, old, l)
		return sobek.Undefined()
	})
	// fetchHeaders(kind, list, guard, name, value) runs Headers' append,
	// delete or set on the list (name and value not yet converted): true
	// if the list changed.
	r.SetOp("fetchHeaders", func(c sobek.FunctionCall) sobek.Value {
		kind := c.Argument(0).String()
		obj := c.Argument(1).ToObject(rt)
		guard := guardOf(c.Argument(2))
		old := readList(obj)
		var l []hentry
		switch kind {
		case "append":
			name := h.toByteString(c.Argument(3))
			value := h.toByteString(c.Argument(4))
			l = h.append(old[:len(old):len(old)], guard, name, value, "append")
		case "set":
			name := h.toByteString(c.Argument(3))
			value := h.toByteString(c.Argument(4))
			l = h.set(old, guard, name, value)
		case "delete":
			lname := h.headerName(c.Argument(3), "delete") // 1. Validate name.
			if guard == guardImmutable {
				h.throwTypeError("Failed to execute 'delete' on 'Headers': Headers are immutable")
			}
			switch {
			case guard == guardRequest && isForbiddenRequestHeader(lname, ""),
				guard == guardRequestNoCORS && !isNoCORSName(lname) && lname != "range", // 2.
				guard == guardResponse && isForbiddenResponseName(lname),
				!listContains(old, lname): // 3.
				return rt.ToValue(false)
			}
			l = listDelete(old, lname)       // 4.
			if guard == guardRequestNoCORS { // 5.
				l = listDelete(l, "range")
			}
		}
		if len(l) == len(old) && (len(l) == 0 || &l[0] == &old[0] || slicesEqual(l, old)) {
			return rt.ToValue(false)
		}
		writeList(obj, old, l)
		return rt.ToValue(true)
	})
	// fetchHeaderName(name, op) validates the name given to get or has:
	// its lowercased form.
	r.SetOp("fetchHeaderName", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(h.headerName(c.Argument(0), c.Argument(1).String()))
	})
}

func isNoCORSName(lname string) bool {
	switch lname {
	case "accept", "accept-language", "content-language", "content-type":
		return true
	}
	return false
}

func slicesEqual(a, b []hentry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

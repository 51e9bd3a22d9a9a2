package contentindex

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/web"
)

// Conversion of generic Go value trees to Description, following WebIDL.
//
// The JS binding converts ContentDescription in JavaScript (with the realm's
// internals.idl helpers): there, getters and toString() run in the order
// WebIDL prescribes and exceptions they throw propagate. This Go version is
// for value trees built outside a realm — JSON decoded by encoding/json from
// the CLI or the UI, or values exported from a realm with sobek's Export — and
// follows the same rules as far as a value tree can express them:
//
//   - nil is undefined; Null is null. A dictionary member that is absent or
//     nil is "not present": a required member then raises a TypeError
//     ("Required member is undefined"), an optional one takes its default.
//   - Dictionary members are converted in lexicographic order (WebIDL), so
//     the first error reported is the one a browser would report.
//   - DOMString (id, title, description, category, sizes, type, label) is
//     ECMAScript ToString: strings as they are; numbers as JS prints them
//     (5 → "5", 0.1 → "0.1", 1e21 → "1e+21", NaN → "NaN"); booleans
//     "true"/"false"; Null → "null"; *big.Int (BigInt) in decimal; a map (a
//     plain object) → "[object Object]"; a slice (an array) → its elements
//     joined with "," (nil and Null elements as ""); a value implementing
//     JSStringer → what it returns (an object with its own toString). A
//     Symbol or *sobek.Symbol is a TypeError, as in JS. Other Go types are a
//     TypeError. (sobek's Export turns a Symbol into its description
//     string and an object's own toString into a map member, so trees
//     exported from a realm lose both: one more reason the binding converts
//     in JS.)
//   - USVString (url, src) is DOMString with lone surrogates (and, in Go
//     strings, invalid UTF-8) replaced by U+FFFD.
//   - category must then be one of the ContentCategory values (TypeError).
//   - icons is a sequence: a slice ([]any or []map[string]any); absent/nil
//     gives []; Null, strings, numbers and maps (plain objects are not
//     iterable) are a TypeError. Each element is an ImageResource dictionary:
//     nil/Null become {} (and then lack the required src), maps are read,
//     other values are a TypeError.
//   - A dictionary itself may be nil/Null (treated as {}), a map, or another
//     object (a slice or JSStringer: an object without those members); any
//     other value is a TypeError.

// Null is JavaScript null in a value tree (nil is undefined).
var Null = jsNull{}

type jsNull struct{}

// Symbol is a JavaScript Symbol in a value tree.
type Symbol struct{ Description string }

// JSStringer is implemented by value-tree objects whose ToString is known
// (an object with its own toString method).
type JSStringer interface {
	JSString() (string, error)
}

const maxConvertDepth = 64

// DOMString converts a value-tree value to a WebIDL DOMString.
func DOMString(v any) (string, error) { return toDOMString(v, 0) }

// USVString converts a value-tree value to a WebIDL USVString.
func USVString(v any) (string, error) {
	s, err := toDOMString(v, 0)
	if err != nil {
		return "", err
	}
	return web.ToUSV(s), nil
}

func toDOMString(v any, depth int) (string, error) {
	if depth > maxConvertDepth {
		return "", errorf(RangeError, "Maximum call stack size exceeded")
	}
	switch x := v.(type) {
	case nil:
		return "undefined", nil
	case jsNull:
		return "null", nil
	case string:
		return x, nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case int:
		return NumberToString(float64(x)), nil
	case int8:
		return NumberToString(float64(x)), nil
	case int16:
		return NumberToString(float64(x)), nil
	case int32:
		return NumberToString(float64(x)), nil
	case int64:
		return NumberToString(float64(x)), nil
	case uint:
		return NumberToString(float64(x)), nil
	case uint8:
		return NumberToString(float64(x)), nil
	case uint16:
		return NumberToString(float64(x)), nil
	case uint32:
		return NumberToString(float64(x)), nil
	case uint64:
		return NumberToString(float64(x)), nil
	case float32:
		return NumberToString(float64(x)), nil
	case float64:
		return NumberToString(x), nil
	case *big.Int:
		if x == nil {
			return "0", nil
		}
		return x.String(), nil
	case Symbol, *Symbol, *sobek.Symbol:
		return "", typeErr("Cannot convert a Symbol value to a string")
	case JSStringer:
		return x.JSString()
	case map[string]any:
		return "[object Object]", nil
	case []any:
		var b strings.Builder
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if e == nil || e == any(Null) {
				continue
			}
			s, err := toDOMString(e, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		}
		return b.String(), nil
	case []map[string]any:
		return strings.TrimSuffix(strings.Repeat("[object Object],", len(x)), ","), nil
	case []string:
		return strings.Join(x, ","), nil
	}
	return "", typeErr("Cannot convert a value of Go type %T to a string", v)
}

// NumberToString is ECMAScript Number::toString(x) for radix 10.
func NumberToString(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case x == 0:
		return "0"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x < 0:
		return "-" + NumberToString(-x)
	}
	// Shortest round-tripping digits, as the ECMAScript algorithm requires.
	e := strconv.FormatFloat(x, 'e', -1, 64) // d[.ddd]e±XX
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	ex, _ := strconv.Atoi(exp)
	k := len(digits)
	n := ex + 1
	switch {
	case k <= n && n <= 21:
		return digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return "0." + strings.Repeat("0", -n) + digits
	}
	sign := "+"
	if n-1 < 0 {
		sign = "-"
	}
	ae := n - 1
	if ae < 0 {
		ae = -ae
	}
	if k == 1 {
		return digits + "e" + sign + strconv.Itoa(ae)
	}
	return digits[:1] + "." + digits[1:] + "e" + sign + strconv.Itoa(ae)
}

// dictMembers returns the members of a value converted to a dictionary.
func dictMembers(v any, what string) (map[string]any, error) {
	switch x := v.(type) {
	case nil, jsNull:
		return nil, nil
	case map[string]any:
		return x, nil
	case []any, []map[string]any, []string, JSStringer:
		return nil, nil // an object without the dictionary's members
	}
	return nil, typeErr("Failed to convert value to '%s': the provided value is not of type '%s'.", what, what)
}

func present(m map[string]any, key string) (any, bool) {
	v, ok := m[key]
	return v, ok && v != nil
}

func memberErr(dict, member string, err error) error {
	return withPrefix(err, "Failed to read the '"+member+"' property from '"+dict+"': ")
}

func requiredMissing(dict, member string) error {
	return typeErr("Failed to read the '%s' property from '%s': Required member is undefined.", member, dict)
}

// DescriptionFromValue converts a value tree to a Description by the WebIDL
// rules described above. It does not run Validate.
func DescriptionFromValue(v any) (Description, error) {
	const dict = "ContentDescription"
	var d Description
	m, err := dictMembers(v, dict)
	if err != nil {
		return d, err
	}
	// Members in lexicographic order: category, description, icons, id,
	// title, url.
	if x, ok := present(m, "category"); ok {
		s, err := DOMString(x)
		if err != nil {
			return d, memberErr(dict, "category", err)
		}
		if !ValidCategory(s) {
			return d, typeErr("Failed to read the 'category' property from '%s': The provided value '%s' is not a valid enum value of type ContentCategory.", dict, s)
		}
		d.Category = s
	}
	if x, ok := present(m, "description"); ok {
		if d.Description, err = DOMString(x); err != nil {
			return d, memberErr(dict, "description", err)
		}
	} else {
		return d, requiredMissing(dict, "description")
	}
	d.Icons = []ImageResource{}
	if x, ok := present(m, "icons"); ok {
		icons, err := iconsFromValue(x)
		if err != nil {
			return d, memberErr(dict, "icons", err)
		}
		d.Icons = icons
	}
	if x, ok := present(m, "id"); ok {
		if d.ID, err = DOMString(x); err != nil {
			return d, memberErr(dict, "id", err)
		}
	} else {
		return d, requiredMissing(dict, "id")
	}
	if x, ok := present(m, "title"); ok {
		if d.Title, err = DOMString(x); err != nil {
			return d, memberErr(dict, "title", err)
		}
	} else {
		return d, requiredMissing(dict, "title")
	}
	if x, ok := present(m, "url"); ok {
		if d.URL, err = USVString(x); err != nil {
			return d, memberErr(dict, "url", err)
		}
	} else {
		return d, requiredMissing(dict, "url")
	}
	return d, nil
}

func iconsFromValue(v any) ([]ImageResource, error) {
	var elems []any
	switch x := v.(type) {
	case []any:
		elems = x
	case []map[string]any:
		elems = make([]any, len(x))
		for i := range x {
			elems[i] = x[i]
		}
	default:
		return nil, typeErr("The provided value cannot be converted to a sequence.")
	}
	out := make([]ImageResource, 0, len(elems))
	for i, e := range elems {
		r, err := ImageResourceFromValue(e)
		if err != nil {
			return nil, withPrefix(err, "element "+itoa(i)+": ")
		}
		out = append(out, r)
	}
	return out, nil
}

// ImageResourceFromValue converts a value tree to an ImageResource
// (members label, sizes, src, type in that order; src required).
func ImageResourceFromValue(v any) (ImageResource, error) {
	const dict = "ImageResource"
	var r ImageResource
	m, err := dictMembers(v, dict)
	if err != nil {
		return r, err
	}
	if x, ok := present(m, "label"); ok {
		if r.Label, err = DOMString(x); err != nil {
			return r, memberErr(dict, "label", err)
		}
		if r.Label == "" {
			r.Empty |= EmptyLabel
		}
	}
	if x, ok := present(m, "sizes"); ok {
		if r.Sizes, err = DOMString(x); err != nil {
			return r, memberErr(dict, "sizes", err)
		}
		if r.Sizes == "" {
			r.Empty |= EmptySizes
		}
	}
	if x, ok := present(m, "src"); ok {
		if r.Src, err = USVString(x); err != nil {
			return r, memberErr(dict, "src", err)
		}
	} else {
		return r, requiredMissing(dict, "src")
	}
	if x, ok := present(m, "type"); ok {
		if r.Type, err = DOMString(x); err != nil {
			return r, memberErr(dict, "type", err)
		}
		if r.Type == "" {
			r.Empty |= EmptyType
		}
	}
	return r, nil
}

// Value returns d as a value tree (what getAll resolves with, as JSON-like
// data): DescriptionFromValue(d.Value()) == d for every valid d.
func (d Description) Value() map[string]any {
	icons := make([]any, len(d.Icons))
	for i, ic := range d.Icons {
		m := map[string]any{"src": ic.Src}
		if ic.HasSizes() {
			m["sizes"] = ic.Sizes
		}
		if ic.HasType() {
			m["type"] = ic.Type
		}
		if ic.HasLabel() {
			m["label"] = ic.Label
		}
		icons[i] = m
	}
	return map[string]any{
		"id": d.ID, "title": d.Title, "description": d.Description,
		"category": d.Category, "icons": icons, "url": d.URL,
	}
}

package web

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	_ "embed"
	"encoding/base64"
	"hash"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// platform.js (run by InstallPlatform) offers other preludes, on internals:
//
//   - expose(cls, name, opts): base.js's, wrapped to remember interface
//     prototypes, by which structured clone recognises platform objects.
//   - registerSerializable(cls, serialize, deserialize): make a JS interface
//     [Serializable]; serialize(obj) returns a value that is itself cloned.
//   - transferList(arg, where): the postMessage overloads' second argument
//     (sequence<object> or StructuredSerializeOptions) as a list.
//   - platformInterface(name): URL, TextDecoder, MessagePort, … (made on
//     first use; internals[name] is set once made).
//   - defineNavigatorID(proto, check): NavigatorID, NavigatorLanguage,
//     NavigatorOnLine and NavigatorConcurrentHardware getters.
//   - isMessageEventSource (set by others): accept more MessageEvent sources.
//   - cloneOps, platformMessaging: used by clone.go and messaging.go.
//
//go:embed js/platform.js
var platformSource string

var platformPrelude = js.NewPrelude("web/platform.js", platformSource)

// PlatformEnv describes the realm InstallPlatform sets up.
type PlatformEnv struct {
	// Location is the realm's URL: the worker's script URL or the page's
	// URL. It is what location shows and the origin of the realm.
	Location string
	// Kind is "window" (location is a Location) or "worker" (a
	// WorkerLocation); empty means "worker".
	Kind string
	// UserAgent is navigator.userAgent (through internals.defineNavigatorID).
	UserAgent string
	// Languages are navigator.languages; empty means ["en-US"].
	Languages []string
	// HardwareConcurrency is navigator.hardwareConcurrency; 0 means 1.
	HardwareConcurrency int
	// Navigate is asked to navigate a window realm when location.assign(),
	// replace(), reload() or an attribute setter is used. Nil: those throw
	// a NotSupportedError DOMException (headless pages do not navigate).
	Navigate func(url string, replace bool) error
	// TimeOrigin is the realm's time origin (performance.timeOrigin); the
	// zero value means now.
	TimeOrigin time.Time
	// Eager creates every interface object at install time instead of on
	// first use (for conformance tests that inspect property descriptors).
	Eager bool
}

// platformState is the per-realm state of this file and its siblings,
// kept in Realm.Data.
type platformState struct {
	r          *js.Realm
	env        PlatformEnv
	origin     string
	timeOrigin time.Time
	clone      *cloneIntrinsics // loaded on first use (clone.go)
	ports      *realmPorts      // ports owned by this realm (messaging.go)
	messaging  map[string]sobek.Callable
}

type platformKey struct{}

func stateOf(r *js.Realm) *platformState {
	v, ok := r.Data.Load(platformKey{})
	if !ok {
		return nil
	}
	return v.(*platformState)
}

// InstallPlatform installs URL, URLSearchParams, TextEncoder, TextDecoder,
// atob/btoa, crypto, performance, location, origin, structuredClone,
// MessageChannel, MessagePort and MessageEvent in a realm. Call on the
// realm's loop after InstallBase. Interface objects are created on first use
// unless env.Eager.
func InstallPlatform(r *js.Realm, env PlatformEnv) error {
	if env.Kind == "" {
		env.Kind = "worker"
	}
	if len(env.Languages) == 0 {
		env.Languages = []string{"en-US"}
	}
	if env.HardwareConcurrency <= 0 {
		env.HardwareConcurrency = 1
	}
	st := &platformState{r: r, env: env, timeOrigin: env.TimeOrigin}
	if st.timeOrigin.IsZero() {
		st.timeOrigin = time.Now()
	}
	r.Data.Store(platformKey{}, st)

	rt := r.Runtime()
	in := r.Internals()
	_ = in.Set("realmKind", env.Kind)
	_ = in.Set("userAgent", env.UserAgent)
	_ = in.Set("eagerInterfaces", env.Eager)

	// High Resolution Time: Event.timeStamp (base.js reads ops.now) counts
	// from the realm's time origin, as DOM requires.
	origin := st.timeOrigin
	r.SetOp("now", func(sobek.FunctionCall) sobek.Value { return rt.ToValue(sinceOrigin(origin)) })
	// The other ops are registered by group when platform.js first needs
	// them (ops.load), keeping realm start-up cheap.
	loaded := map[string]bool{}
	r.SetOp("load", func(c sobek.FunctionCall) sobek.Value {
		g := c.Argument(0).String()
		if !loaded[g] {
			loaded[g] = true
			loadOps(r, st, g)
		}
		return sobek.Undefined()
	})
	return r.RunPrelude(platformPrelude)
}

func loadOps(r *js.Realm, st *platformState, group string) {
	switch group {
	case "url":
		installURLOps(r)
	case "encoding":
		installEncodingOps(r)
	case "clone":
		installCloneOps(r)
	case "messaging":
		installMessagingOps(r)
	case "misc":
		installMiscOps(r, st)
	}
}

// installMiscOps registers the ops of crypto, performance, location,
// origin, navigator and atob/btoa.
func installMiscOps(r *js.Realm, st *platformState) {
	rt := r.Runtime()
	env := st.env
	origin := st.timeOrigin
	r.SetOp("perfNow", func(sobek.FunctionCall) sobek.Value { return rt.ToValue(sinceOrigin(origin)) })
	r.SetOp("timeOrigin", func(sobek.FunctionCall) sobek.Value {
		return rt.ToValue(float64(origin.UnixMicro()) / 1000)
	})
	r.SetOp("location", func(sobek.FunctionCall) sobek.Value { return rt.ToValue(env.Location) })
	r.SetOp("realmOrigin", func(sobek.FunctionCall) sobek.Value {
		if st.origin == "" {
			st.origin = OriginOf(env.Location)
		}
		return rt.ToValue(st.origin)
	})
	r.SetOp("navigatorInfo", func(sobek.FunctionCall) sobek.Value {
		langs := make([]any, len(env.Languages))
		for i, l := range env.Languages {
			langs[i] = l
		}
		return rt.NewArray(rt.NewArray(langs...), env.HardwareConcurrency)
	})
	r.SetOp("navigate", func(c sobek.FunctionCall) sobek.Value {
		if env.Navigate == nil {
			r.Throw(&js.Error{Name: "NotSupportedError", Message: "Navigation is not supported in this context."})
		}
		if err := env.Navigate(c.Argument(0).String(), c.Argument(1).ToBoolean()); err != nil {
			r.Throw(err)
		}
		return sobek.Undefined()
	})

	// crypto.getRandomValues (the JS side checked the type and the quota)
	// and crypto.randomUUID.
	r.SetOp("randomFill", func(c sobek.FunctionCall) sobek.Value {
		var b []byte
		if err := rt.ExportTo(c.Argument(0), &b); err == nil {
			_, _ = rand.Read(b)
		}
		return sobek.Undefined()
	})
	r.SetOp("randomUUID", func(sobek.FunctionCall) sobek.Value { return rt.ToValue(RandomUUID()) })
	// digest(name, bufferSource) → ArrayBuffer, or null for an unknown
	// algorithm (SubtleCrypto.digest; names match case-insensitively).
	r.SetOp("digest", func(c sobek.FunctionCall) sobek.Value {
		var h hash.Hash
		switch strings.ToUpper(c.Argument(0).String()) {
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			return sobek.Null()
		}
		h.Write(bufferSourceBytes(rt, c.Argument(1)))
		return rt.ToValue(rt.NewArrayBuffer(h.Sum(nil)))
	})

	// atob and btoa (HTML "Base64 utility methods").
	r.SetOp("btoa", func(c sobek.FunctionCall) sobek.Value {
		s := c.Argument(0).String()
		b := make([]byte, 0, len(s))
		for _, ch := range s {
			// If data contains any code point greater than U+00FF, throw.
			if ch > 0xFF {
				r.Throw(&js.Error{Name: "InvalidCharacterError", Message: "Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range."})
			}
			b = append(b, byte(ch))
		}
		return rt.ToValue(base64.StdEncoding.EncodeToString(b))
	})
	r.SetOp("atob", func(c sobek.FunctionCall) sobek.Value {
		b, ok := ForgivingBase64Decode(c.Argument(0).String())
		if !ok {
			r.Throw(&js.Error{Name: "InvalidCharacterError", Message: "Failed to execute 'atob': The string to be decoded is not correctly encoded."})
		}
		return latin1Value(rt, b)
	})
}

// sinceOrigin is a DOMHighResTimeStamp: milliseconds since origin, in
// whole microseconds.
func sinceOrigin(origin time.Time) float64 {
	return float64(time.Since(origin).Microseconds()) / 1000
}

// latin1Value makes a JS string whose code units are the bytes of b.
func latin1Value(rt *sobek.Runtime, b []byte) sobek.Value {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return rt.ToValue(string(b))
	}
	u := make([]uint16, len(b))
	for i, c := range b {
		u[i] = uint16(c)
	}
	return rt.ToValue(sobek.StringFromUTF16(u))
}

// RandomUUID returns a version 4 UUID string (WebCrypto randomUUID).
func RandomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0F | 0x40 // version 4
	b[8] = b[8]&0x3F | 0x80 // variant 10
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(out)
}

func installURLOps(r *js.Realm) {
	rt := r.Runtime()
	comps := func(c [uCount]string) sobek.Value {
		items := make([]any, uCount)
		for i := range c {
			items[i] = c[i]
		}
		return rt.NewArray(items...)
	}
	// urlParse(url, base?) → components or null (API URL parser).
	// The components arrays are never changed by script (platform.js
	// replaces them): the last parses are kept.
	parsed := newParseCache()
	r.SetOp("urlParse", func(c sobek.FunctionCall) sobek.Value {
		base := c.Argument(1)
		hasBase := !sobek.IsUndefined(base)
		key := parseKey{c.Argument(0).String(), valueString(base), hasBase}
		if v, ok := parsed.get(key); ok {
			return v
		}
		var v sobek.Value = sobek.Null()
		if u, err := parseRecord(key.input, key.base, hasBase); err == nil {
			v = comps(urlComponents(u))
		}
		parsed.put(key, v)
		return v
	})
	r.SetOp("urlCanParse", func(c sobek.FunctionCall) sobek.Value {
		base := c.Argument(1)
		_, err := parseRecord(c.Argument(0).String(), valueString(base), !sobek.IsUndefined(base))
		return rt.ToValue(err == nil)
	})
	// urlSet(href, attribute, value) → components, or null when the href
	// setter fails.
	r.SetOp("urlSet", func(c sobek.FunctionCall) sobek.Value {
		u, ok := urlSet(c.Argument(0).String(), int(c.Argument(1).ToInteger()), c.Argument(2).String())
		if !ok {
			return sobek.Null()
		}
		return comps(urlComponents(u))
	})
	// formParse(string) → [name0, value0, name1, value1, ...]
	r.SetOp("formParse", func(c sobek.FunctionCall) sobek.Value {
		pairs := ParseForm(c.Argument(0).String())
		items := make([]any, 0, 2*len(pairs))
		for _, p := range pairs {
			items = append(items, p[0], p[1])
		}
		return rt.NewArray(items...)
	})
	// formSerialize([name0, value0, ...]) → string
	r.SetOp("formSerialize", func(c sobek.FunctionCall) sobek.Value {
		obj, ok := c.Argument(0).(*sobek.Object)
		if !ok {
			return rt.ToValue("")
		}
		n := int(obj.Get("length").ToInteger())
		pairs := make([][2]string, n/2)
		for i := range pairs {
			pairs[i] = [2]string{obj.Get(itoa(2 * i)).String(), obj.Get(itoa(2*i + 1)).String()}
		}
		return rt.ToValue(SerializeForm(pairs))
	})
}

func valueString(v sobek.Value) string {
	if v == nil || sobek.IsUndefined(v) {
		return ""
	}
	return v.String()
}

func installEncodingOps(r *js.Realm) {
	rt := r.Runtime()
	// textEncode(string) → ArrayBuffer of its UTF-8 (a USVString: lone
	// surrogates arrive as U+FFFD).
	r.SetOp("textEncode", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(rt.NewArrayBuffer([]byte(c.Argument(0).String())))
	})
	// textEncodeInto(string, Uint8Array) → [read, written] (Encoding
	// "encode into" steps: stop before a scalar value that does not fit).
	r.SetOp("textEncodeInto", func(c sobek.FunctionCall) sobek.Value {
		var dst []byte
		_ = rt.ExportTo(c.Argument(1), &dst)
		read, written := 0, 0
		for _, ch := range c.Argument(0).String() {
			n := utf8.RuneLen(ch)
			if written+n > len(dst) {
				break
			}
			utf8.EncodeRune(dst[written:], ch)
			written += n
			if ch >= 0x10000 {
				read += 2
			} else {
				read++
			}
		}
		return rt.NewArray(read, written)
	})
	r.SetOp("encodingForLabel", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(EncodingForLabel(c.Argument(0).String()))
	})
	r.SetOp("textDecoderNew", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(NewDecoder(c.Argument(0).String(), c.Argument(1).ToBoolean(), c.Argument(2).ToBoolean()))
	})
	// textDecode(decoder, bufferSource|undefined, stream) → string
	r.SetOp("textDecode", func(c sobek.FunctionCall) sobek.Value {
		d, _ := c.Argument(0).Export().(*Decoder)
		if d == nil {
			panic(rt.NewTypeError("Illegal invocation"))
		}
		var in []byte
		if v := c.Argument(1); !sobek.IsUndefined(v) {
			in = bufferSourceBytes(rt, v)
		}
		s, err := d.Decode(in, c.Argument(2).ToBoolean())
		if err != nil {
			panic(rt.NewTypeError("Failed to execute 'decode' on 'TextDecoder': The encoded data was not valid for encoding " + d.Encoding))
		}
		return stringValue(rt, s)
	})
}

// bufferSourceBytes returns the bytes of an ArrayBuffer or ArrayBufferView
// (the JS side checked which it is); they alias the JS memory.
func bufferSourceBytes(rt *sobek.Runtime, v sobek.Value) []byte {
	if ab, ok := v.Export().(sobek.ArrayBuffer); ok {
		return ab.Bytes()
	}
	var b []byte
	_ = rt.ExportTo(v, &b)
	return b
}

// stringValue converts Go text to a JS string.
func stringValue(rt *sobek.Runtime, s string) sobek.Value {
	return rt.ToValue(s)
}

// utf16Of returns the UTF-16 code units of a JS string value without
// replacing lone surrogates (Value.String would).
func utf16Of(s sobek.String) []uint16 {
	n := s.Length()
	u := make([]uint16, n)
	for i := 0; i < n; i++ {
		u[i] = s.CharAt(i)
	}
	return u
}

// hasLoneSurrogate reports whether UTF-16 text u has an unpaired surrogate.
func hasLoneSurrogate(u []uint16) bool {
	for i := 0; i < len(u); i++ {
		c := rune(u[i])
		if utf16.IsSurrogate(c) {
			if c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] <= 0xDFFF {
				i++
				continue
			}
			return true
		}
	}
	return false
}

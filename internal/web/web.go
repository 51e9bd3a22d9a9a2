// Package web holds the platform objects every realm has: WebIDL helpers,
// DOMException, Event and EventTarget, timers, console, and (in files beside
// this one) URL, encoding, crypto, structured clone, MessageChannel and the
// Fetch API. Each is a prelude (JavaScript run in every realm before user
// code, compiled once) over a few native operations written in Go.
package web

import (
	_ "embed"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

//go:embed js/base.js
var baseSource string

var basePrelude = js.NewPrelude("web/base.js", baseSource)

// Console receives console output of a realm: level is "log", "info",
// "warn", "error" or "debug".
type Console func(level, msg string)

var epoch = time.Now()

// InstallBase installs the base platform objects in a realm. Call on the
// realm's loop, before any other prelude.
func InstallBase(r *js.Realm, console Console) error {
	rt := r.Runtime()
	r.SetOp("toUSV", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(ToUSV(c.Argument(0).String()))
	})
	r.SetOp("now", func(sobek.FunctionCall) sobek.Value {
		return rt.ToValue(float64(time.Since(epoch).Microseconds()) / 1000)
	})
	// The console shows an error's stack as a script error's is reported.
	r.SetOp("shownStack", func(c sobek.FunctionCall) sobek.Value {
		return rt.ToValue(js.ShownStack(c.Argument(0).String()))
	})
	r.SetOp("reportException", func(c sobek.FunctionCall) sobek.Value {
		r.ReportValue(c.Argument(0))
		return sobek.Undefined()
	})
	r.SetOp("setTimer", func(c sobek.FunctionCall) sobek.Value {
		fn, _ := sobek.AssertFunction(c.Argument(0))
		ms := c.Argument(1).ToInteger()
		var args []sobek.Value
		if a, ok := c.Argument(3).Export().([]any); ok && len(a) > 0 {
			obj := c.Argument(3).ToObject(rt)
			for i := range a {
				args = append(args, obj.Get(itoa(i)))
			}
		}
		return rt.ToValue(r.SetTimer(fn, time.Duration(ms)*time.Millisecond, c.Argument(2).ToBoolean(), args))
	})
	r.SetOp("clearTimer", func(c sobek.FunctionCall) sobek.Value {
		r.ClearTimer(c.Argument(0).ToInteger())
		return sobek.Undefined()
	})
	r.SetOp("console", func(c sobek.FunctionCall) sobek.Value {
		if console != nil {
			console(c.Argument(0).String(), c.Argument(1).String())
		}
		return sobek.Undefined()
	})
	return r.RunPrelude(basePrelude)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// ToUSV converts a string to a WebIDL USVString: every lone surrogate
// becomes one U+FFFD. Engine strings reach Go as UTF-8 in which a lone
// surrogate is WTF-8 (three bytes, 0xED 0xA0–0xBF 0x80–0xBF); any other
// invalid byte also becomes U+FFFD.
func ToUSV(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			if i+2 < len(s) && s[i] == 0xED && s[i+1] >= 0xA0 && s[i+1] <= 0xBF && s[i+2] >= 0x80 && s[i+2] <= 0xBF {
				n = 3 // one encoded surrogate, one replacement
			}
			b.WriteRune(utf8.RuneError)
			i += n
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

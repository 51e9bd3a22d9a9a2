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
	"unicode/utf16"

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

// ToUSV replaces lone surrogates with U+FFFD (WebIDL USVString). Sobek
// strings reach Go as UTF-8 with lone surrogates already replaced or encoded
// as WTF-8; both become U+FFFD here.
func ToUSV(s string) string {
	if !strings.ContainsRune(s, 0xFFFD) && isValidUTF8NoSurrogates(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if utf16.IsSurrogate(r) {
			r = 0xFFFD
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isValidUTF8NoSurrogates(s string) bool {
	for _, r := range s {
		if r == 0xFFFD || utf16.IsSurrogate(r) {
			return false
		}
	}
	return true
}

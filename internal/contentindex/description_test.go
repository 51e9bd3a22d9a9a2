package contentindex

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

func validDesc() Description {
	return Description{ID: "a1", Title: "T", Description: "D", Category: "article",
		Icons: []ImageResource{{Src: "/i.png", Sizes: "16x16", Type: "image/png", Label: "l"}}, URL: "/a/1"}
}

func TestValidate(t *testing.T) {
	lim := Limits{MaxIDLen: 4, MaxTitleLen: 5, MaxDescriptionLen: 6, MaxURLLen: 7, MaxIcons: 2}
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name string
		mod  func(d *Description)
		err  string
		frag string // must name the field
	}{
		{"valid", func(d *Description) {}, "", ""},
		{"valid at limits", func(d *Description) {
			d.ID, d.Title, d.Description, d.URL = long(4), long(5), long(6), long(7)
		}, "", ""},
		{"valid unlimited", func(d *Description) {}, "", ""},
		{"every category", func(d *Description) { d.Category = "" }, "", ""},
		{"bad category", func(d *Description) { d.Category = "podcast" }, TypeError, "'category'"},
		{"category case", func(d *Description) { d.Category = "Article" }, TypeError, "ContentCategory"},
		{"empty id", func(d *Description) { d.ID = "" }, TypeError, "ContentDescription.id must not be empty"},
		{"empty title", func(d *Description) { d.Title = "" }, TypeError, "ContentDescription.title must not be empty"},
		{"empty description", func(d *Description) { d.Description = "" }, TypeError, "ContentDescription.description must not be empty"},
		{"empty url", func(d *Description) { d.URL = "" }, TypeError, "ContentDescription.url must not be empty"},
		{"empty beats long", func(d *Description) { d.ID = long(100); d.URL = "" }, TypeError, "url must not be empty"},
		{"long id", func(d *Description) { d.ID = long(5) }, QuotaExceededError, "ContentDescription.id is 5 bytes long; the limit is 4"},
		{"long title", func(d *Description) { d.Title = long(6) }, QuotaExceededError, "ContentDescription.title is 6"},
		{"long description", func(d *Description) { d.Description = long(7) }, QuotaExceededError, "ContentDescription.description is 7"},
		{"long url", func(d *Description) { d.URL = long(8) }, QuotaExceededError, "ContentDescription.url is 8"},
		{"utf-8 bytes count", func(d *Description) { d.ID = "ééé" }, QuotaExceededError, "ContentDescription.id is 6 bytes"},
		{"too many icons", func(d *Description) { d.Icons = make([]ImageResource, 3) }, QuotaExceededError, "ContentDescription.icons has 3 icons; the limit is 2"},
		{"long icon src", func(d *Description) { d.Icons[0].Src = long(8) }, QuotaExceededError, "ContentDescription.icons[0].src is 8"},
		{"long icon sizes", func(d *Description) { d.Icons[0].Sizes = long(6) }, QuotaExceededError, "ContentDescription.icons[0].sizes"},
		{"long icon type", func(d *Description) { d.Icons[0].Type = long(6) }, QuotaExceededError, "ContentDescription.icons[0].type"},
		{"long icon label", func(d *Description) { d.Icons[0].Label = long(6) }, QuotaExceededError, "ContentDescription.icons[0].label"},
		{"empty icon src is the fetch's problem", func(d *Description) { d.Icons[0].Src = "" }, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := validDesc()
			d.Icons[0] = ImageResource{Src: "/i.png", Sizes: "1x1", Type: "a", Label: "b"}
			c.mod(&d)
			l := lim
			if c.name == "valid unlimited" {
				d.ID = long(100000)
				l = Limits{MaxIDLen: -1}
			}
			wantErr(t, Validate(d, l), c.err, c.frag)
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	d := Limits{}.WithDefaults()
	if d != DefaultLimits() {
		t.Fatalf("%+v", d)
	}
	if d.MaxIconPixels != 2048*2048 || d.MaxIconBytes != 1<<20 || d.MaxEntriesPerRegistration != 1000 {
		t.Fatalf("%+v", d)
	}
	// Defaults accept a generous description.
	big := validDesc()
	big.Title = strings.Repeat("t", 1024)
	big.Description = strings.Repeat("d", 8192)
	if err := Validate(big, Limits{}); err != nil {
		t.Fatal(err)
	}
}

type stringer string

func (s stringer) JSString() (string, error) { return string(s), nil }

type throwingStringer struct{}

func (throwingStringer) JSString() (string, error) { return "", js.Errorf("RangeError", "boom") }

func TestNumberToString(t *testing.T) {
	cases := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {5, "5"}, {-5, "-5"}, {0.1, "0.1"}, {1.5, "1.5"},
		{123456789, "123456789"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"}, {1.5e21, "1.5e+21"},
		{1e-6, "0.000001"}, {1e-7, "1e-7"}, {1.25e-7, "1.25e-7"}, {0.000123, "0.000123"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{math.MaxFloat64, "1.7976931348623157e+308"}, {5e-324, "5e-324"}, {9007199254740993, "9007199254740992"},
		{pointThree(), "0.30000000000000004"}, {-1e-7, "-1e-7"}, {123e-20, "1.23e-18"},
	}
	for _, c := range cases {
		if got := NumberToString(c.in); got != c.want {
			t.Errorf("NumberToString(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func pointThree() float64 { a, b := 0.1, 0.2; return a + b }

func TestNumberToStringMatchesSobek(t *testing.T) {
	rt := sobek.New()
	for _, f := range []float64{0, 1, -1, 0.5, 1 / 3.0, 2 / 3.0, 1e21, 1e-7, 123.456, 1e300, 4.35e-10, 100, 1e6, 7e22, 0.000001, 1.7976931348623157e308} {
		want := rt.ToValue(f).String()
		if got := NumberToString(f); got != want {
			t.Errorf("%v: got %q, sobek %q", f, got, want)
		}
	}
}

func TestDescriptionFromValue(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{"id": "a", "title": "T", "description": "D", "url": "/u"}
	}
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	without := func(ks ...string) map[string]any {
		m := base()
		for _, k := range ks {
			delete(m, k)
		}
		return m
	}
	cases := []struct {
		name string
		in   any
		want Description
		err  string
		frag string
	}{
		{"minimal", base(), Description{ID: "a", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"number id", with("id", 5), Description{ID: "5", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"float id from JSON", with("id", 1.5), Description{ID: "1.5", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"int64 id from sobek", with("id", int64(42)), Description{ID: "42", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"bigint id", with("id", big.NewInt(10)), Description{ID: "10", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"bool title", with("title", true), Description{ID: "a", Title: "true", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"null title", with("title", Null), Description{ID: "a", Title: "null", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"object title", with("title", map[string]any{}), Description{ID: "a", Title: "[object Object]", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"array title", with("title", []any{1, "b", nil, []any{2, 3}}), Description{ID: "a", Title: "1,b,,2,3", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"toString object", with("title", stringer("custom")), Description{ID: "a", Title: "custom", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"toString throws", with("title", throwingStringer{}), Description{}, "RangeError", "Failed to read the 'title' property from 'ContentDescription': boom"},
		{"symbol id", with("id", Symbol{"s"}), Description{}, TypeError, "Cannot convert a Symbol value to a string"},
		{"sobek symbol", with("title", sobek.NewSymbol("s")), Description{}, TypeError, "'title'"},
		{"symbol in array", with("title", []any{Symbol{}}), Description{}, TypeError, "Symbol"},
		{"invalid utf-8 url", with("url", "/\xffa\xfe"), Description{ID: "a", Title: "T", Description: "D", URL: "/\uFFFDa\uFFFD", Icons: []ImageResource{}}, "", ""},
		{"lone surrogate url", with("url", "/a\xed\xa0\x80b"), Description{ID: "a", Title: "T", Description: "D", URL: "/a\uFFFDb", Icons: []ImageResource{}}, "", ""},
		{"category", with("category", "video"), Description{ID: "a", Title: "T", Description: "D", Category: "video", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"category undefined is default", with("category", nil), Description{ID: "a", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"category null", with("category", Null), Description{}, TypeError, "'null' is not a valid enum value of type ContentCategory"},
		{"category bad", with("category", "news"), Description{}, TypeError, "'news' is not a valid enum value"},
		{"category number", with("category", 1), Description{}, TypeError, "'1' is not a valid enum value"},
		{"missing id", without("id"), Description{}, TypeError, "Failed to read the 'id' property from 'ContentDescription': Required member is undefined."},
		{"undefined id", with("id", nil), Description{}, TypeError, "'id' property from 'ContentDescription': Required member is undefined"},
		{"missing title", without("title"), Description{}, TypeError, "'title'"},
		{"missing description", without("description"), Description{}, TypeError, "'description'"},
		{"missing url", without("url"), Description{}, TypeError, "'url'"},
		{"lexicographic order: description before id", without("id", "description"), Description{}, TypeError, "'description'"},
		{"lexicographic order: category before missing", func() map[string]any { m := without("id"); m["category"] = "x"; return m }(), Description{}, TypeError, "'category'"},
		{"empty id is converted (Validate rejects)", with("id", ""), Description{ID: "", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"undefined dictionary", nil, Description{}, TypeError, "'description'"},
		{"null dictionary", Null, Description{}, TypeError, "Required member"},
		{"string dictionary", "x", Description{}, TypeError, "not of type 'ContentDescription'"},
		{"number dictionary", 3, Description{}, TypeError, "not of type"},
		{"array dictionary", []any{}, Description{}, TypeError, "Required member"},
		{"icons", with("icons", []any{map[string]any{"src": "/i.png", "sizes": 16, "type": "image/png", "label": "L"}}),
			Description{ID: "a", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{{Src: "/i.png", Sizes: "16", Type: "image/png", Label: "L"}}}, "", ""},
		{"icons typed slice", with("icons", []map[string]any{{"src": "/i.png"}}),
			Description{ID: "a", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{{Src: "/i.png"}}}, "", ""},
		{"icons undefined", with("icons", nil), Description{ID: "a", Title: "T", Description: "D", URL: "/u", Icons: []ImageResource{}}, "", ""},
		{"icons null", with("icons", Null), Description{}, TypeError, "'icons'"},
		{"icons object", with("icons", map[string]any{"src": "/i.png"}), Description{}, TypeError, "cannot be converted to a sequence"},
		{"icons string", with("icons", "/i.png"), Description{}, TypeError, "sequence"},
		{"icon without src", with("icons", []any{map[string]any{"sizes": "1x1"}}), Description{}, TypeError, "element 0: Failed to read the 'src' property from 'ImageResource': Required member is undefined."},
		{"icon undefined element", with("icons", []any{map[string]any{"src": "a"}, nil}), Description{}, TypeError, "element 1: Failed to read the 'src'"},
		{"icon string element", with("icons", []any{"a.png"}), Description{}, TypeError, "not of type 'ImageResource'"},
		{"icon symbol label before src", with("icons", []any{map[string]any{"label": Symbol{}}}), Description{}, TypeError, "'label'"},
		{"deep array", with("title", deepArray(100)), Description{}, RangeError, "Maximum call stack"},
		{"unsupported go type", with("title", struct{}{}), Description{}, TypeError, "Go type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DescriptionFromValue(c.in)
			wantErr(t, err, c.err, c.frag)
			if c.err == "" && !got.Equal(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func deepArray(n int) any {
	var v any = "x"
	for range n {
		v = []any{v}
	}
	return v
}

func TestDescriptionFromJSON(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"id":7,"title":"T","description":"D","category":"audio","icons":[{"src":"/a.png","sizes":"any"}],"url":"/x","extra":true}`), &v); err != nil {
		t.Fatal(err)
	}
	d, err := DescriptionFromValue(v)
	if err != nil {
		t.Fatal(err)
	}
	want := Description{ID: "7", Title: "T", Description: "D", Category: "audio", Icons: []ImageResource{{Src: "/a.png", Sizes: "any"}}, URL: "/x"}
	if !d.Equal(want) {
		t.Fatalf("%+v", d)
	}
	if err := Validate(d, Limits{}); err != nil {
		t.Fatal(err)
	}
	back, err := DescriptionFromValue(d.Value())
	if err != nil || !back.Equal(d) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

// FuzzDescription: conversion and validation never panic, fail only with the
// expected exception names, and a converted valid description round-trips.
func FuzzDescription(f *testing.F) {
	f.Add("a", "T", "D", "article", "/u", "/i.png", "16x16", uint8(0))
	f.Add("", "T", "D", "", "/u", "", "", uint8(1))
	f.Add("x", "", "", "bogus", "", "\xed\xa0\x80", "", uint8(2))
	f.Add(strings.Repeat("i", 2000), "T", "D", "video", "/u", "/i", "", uint8(3))
	f.Add("\x00", "\uFFFD", "é", "audio", "https://x.example/", "data:,", "", uint8(255))
	f.Fuzz(func(t *testing.T, id, title, description, category, url, src, sizes string, shape uint8) {
		m := map[string]any{"id": id, "title": title, "description": description, "url": url}
		if shape&1 == 0 {
			m["category"] = category
		}
		if shape&2 == 0 {
			m["icons"] = []any{map[string]any{"src": src, "sizes": sizes}}
		}
		if shape&4 != 0 {
			m["id"] = float64(len(id)) / 7
		}
		if shape&8 != 0 {
			delete(m, "title")
		}
		if shape&16 != 0 {
			m["description"] = []any{description, nil, Null, true}
		}
		d, err := DescriptionFromValue(m)
		if err != nil {
			if ErrorName(err) != TypeError {
				t.Fatalf("conversion: %v", err)
			}
			return
		}
		lim := Limits{MaxIDLen: 1000, MaxURLLen: 1000}
		err = Validate(d, lim)
		if err != nil {
			var je *js.Error
			if !errors.As(err, &je) || (je.Name != TypeError && je.Name != QuotaExceededError) {
				t.Fatalf("validate: %v", err)
			}
			if !strings.Contains(je.Message, "ContentDescription.") && !strings.Contains(je.Message, "'category'") {
				t.Fatalf("message does not name the field: %s", je.Message)
			}
			return
		}
		if d.ID == "" || d.Title == "" || d.Description == "" || d.URL == "" || !ValidCategory(d.Category) || len(d.ID) > 1000 {
			t.Fatalf("accepted %+v", d)
		}
		back, err := DescriptionFromValue(d.Value())
		if err != nil || !back.Equal(d) {
			t.Fatalf("round trip: %+v → %+v, %v", d, back, err)
		}
	})
}

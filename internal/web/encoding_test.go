package web

import (
	"bytes"
	"testing"
)

func TestDecoder(t *testing.T) {
	tests := []struct {
		name, enc string
		fatal     bool
		ignoreBOM bool
		chunks    [][]byte // all but the last decoded with stream
		want      string
		wantErr   bool
	}{
		{"utf8 plain", "utf-8", false, false, [][]byte{[]byte("héllo")}, "héllo", false},
		{"utf8 BOM stripped", "utf-8", false, false, [][]byte{{0xEF, 0xBB, 0xBF, 'a'}}, "a", false},
		{"utf8 BOM kept", "utf-8", false, true, [][]byte{{0xEF, 0xBB, 0xBF, 'a'}}, "\uFEFFa", false},
		{"utf8 only first BOM", "utf-8", false, false, [][]byte{{0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF}}, "\uFEFF", false},
		{"utf8 maximal subpart", "utf-8", false, false, [][]byte{{0xE2, 0x82, 'A'}}, "\uFFFDA", false},
		{"utf8 bad lead", "utf-8", false, false, [][]byte{{0x80, 0xFF, 'b'}}, "\uFFFD\uFFFDb", false},
		{"utf8 surrogate", "utf-8", false, false, [][]byte{{0xED, 0xA0, 0x80}}, "\uFFFD\uFFFD\uFFFD", false},
		{"utf8 overlong", "utf-8", false, false, [][]byte{{0xC0, 0xAF}}, "\uFFFD\uFFFD", false},
		{"utf8 F4 90", "utf-8", false, false, [][]byte{{0xF4, 0x90, 0x80, 0x80}}, "\uFFFD\uFFFD\uFFFD\uFFFD", false},
		{"utf8 truncated at end", "utf-8", false, false, [][]byte{{'a', 0xF0, 0x9F, 0x98}}, "a\uFFFD", false},
		{"utf8 stream split", "utf-8", false, false, [][]byte{{'a', 0xF0, 0x9F}, {0x98}, {0x80, 'b'}}, "a😀b", false},
		{"utf8 stream BOM split", "utf-8", false, false, [][]byte{{0xEF}, {0xBB, 0xBF, 'x'}}, "x", false},
		{"utf8 fatal", "utf-8", true, false, [][]byte{{'a', 0xFF}}, "", true},
		{"utf8 fatal truncated", "utf-8", true, false, [][]byte{{'a', 0xE2, 0x82}}, "", true},
		{"utf8 fatal stream ok", "utf-8", true, false, [][]byte{{0xE2, 0x82}, {0xAC}}, "€", false},
		{"utf16le", "utf-16le", false, false, [][]byte{{0xFF, 0xFE, 'h', 0, 'i', 0}}, "hi", false},
		{"utf16le pair", "utf-16le", false, false, [][]byte{{0x3D, 0xD8, 0x00, 0xDE}}, "😀", false},
		{"utf16le lone lead", "utf-16le", false, false, [][]byte{{0x3D, 0xD8, 'a', 0}}, "\uFFFDa", false},
		{"utf16le lone trail", "utf-16le", false, false, [][]byte{{0x00, 0xDE, 'a', 0}}, "\uFFFDa", false},
		{"utf16le odd byte", "utf-16le", false, false, [][]byte{{'a', 0, 'b'}}, "a\uFFFD", false},
		{"utf16le stream split pair", "utf-16le", false, false, [][]byte{{0x3D}, {0xD8, 0x00}, {0xDE}}, "😀", false},
		{"utf16le fatal", "utf-16le", true, false, [][]byte{{0x00, 0xDC}}, "", true},
		{"utf16be", "utf-16be", false, false, [][]byte{{0xFE, 0xFF, 0, 'h', 0xD8, 0x3D, 0xDE, 0x00}}, "h😀", false},
		{"windows-1252", "windows-1252", false, false, [][]byte{{0x80, 'a', 0xE9}}, "€aé", false},
		{"shift_jis", "shift_jis", false, false, [][]byte{{0x82, 0xA0}}, "あ", false},
		{"shift_jis stream", "shift_jis", false, false, [][]byte{{0x82}, {0xA0}}, "あ", false},
		{"iso-8859-2", "iso-8859-2", false, false, [][]byte{{0xA3}}, "Ł", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(tc.enc, tc.fatal, tc.ignoreBOM)
			var out bytes.Buffer
			for i, c := range tc.chunks {
				s, err := d.Decode(c, i < len(tc.chunks)-1)
				if err != nil {
					if !tc.wantErr {
						t.Fatalf("chunk %d: %v", i, err)
					}
					return
				}
				out.WriteString(s)
			}
			if tc.wantErr {
				t.Fatalf("no error; got %q", out.String())
			}
			if out.String() != tc.want {
				t.Fatalf("got %q, want %q", out.String(), tc.want)
			}
			// The decoder is reusable: a new stream starts clean.
			z := []byte("z")
			if tc.enc == "utf-16le" {
				z = []byte{'z', 0}
			} else if tc.enc == "utf-16be" {
				z = []byte{0, 'z'}
			}
			if s, err := d.Decode(z, false); err != nil || s != "z" {
				t.Fatalf("reuse: %q %v", s, err)
			}
		})
	}
}

func TestEncodingForLabel(t *testing.T) {
	tests := map[string]string{
		"utf-8": "utf-8", " UTF8\n": "utf-8", "unicode-1-1-utf-8": "utf-8", "utf-16": "utf-16le", "UTF-16BE": "utf-16be",
		"latin1": "windows-1252", "ascii": "windows-1252", "sjis": "shift_jis", "iso-2022-kr": "replacement",
		"\u00a0utf-8": "", "utf-8\u000b": "", "\u212aoi8-r": "", "bogus": "", "": "", "koi8-r": "koi8-r",
	}
	for label, want := range tests {
		if got := EncodingForLabel(label); got != want {
			t.Errorf("EncodingForLabel(%q) = %q, want %q", label, got, want)
		}
	}
}

func TestForgivingBase64(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"aGVsbG8=", "hello", true},
		{"aGVsbG8", "hello", true},
		{" aG Vs\nbG8= ", "hello", true},
		{"aGVsbG8==", "", false},
		{"a", "", false},
		{"ab", "i", true},
		{"ab=", "", false},
		{"ab==", "i", true},
		{"YR==", "a", true}, // non-zero trailing bits are ignored
		{"a-b_", "", false},
		{"", "", true},
		{"=", "", false},
		{"a\u00a0b", "", false},
	}
	for _, tc := range tests {
		got, ok := ForgivingBase64Decode(tc.in)
		if ok != tc.ok || (ok && string(got) != tc.want) {
			t.Errorf("ForgivingBase64Decode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

package web

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// The Encoding Standard (https://encoding.spec.whatwg.org/) as TextDecoder
// needs it: UTF-8 and UTF-16 decoders written out from the spec (Go's own
// UTF-8 decoder replaces each bad byte, the standard replaces each maximal
// subpart), legacy encodings through golang.org/x/text.

// ErrEncoding is the fatal decode error.
var ErrEncoding = errors.New("the encoded data was not valid")

// utf8Labels, utf16leLabels and utf16beLabels are the labels of the
// Encoding Standard's encodings table for the Unicode encodings.
var unicodeLabels = map[string]string{
	"unicode-1-1-utf-8": "utf-8", "unicode11utf8": "utf-8", "unicode20utf8": "utf-8",
	"utf-8": "utf-8", "utf8": "utf-8", "x-unicode20utf8": "utf-8",
	"unicodefffe": "utf-16be", "utf-16be": "utf-16be",
	"csunicode": "utf-16le", "iso-10646-ucs-2": "utf-16le", "ucs-2": "utf-16le", "unicode": "utf-16le",
	"unicodefeff": "utf-16le", "utf-16": "utf-16le", "utf-16le": "utf-16le",
}

// EncodingForLabel is the Encoding Standard's "get an encoding": it returns
// the encoding's name ("utf-8", "windows-1252", "replacement", ...) or "" for
// an unknown label.
func EncodingForLabel(label string) string {
	// 1. Remove any leading and trailing ASCII whitespace from label.
	label = strings.Trim(label, "\t\n\f\r ")
	// 2. If label is an ASCII case-insensitive match for any of the labels
	// listed in the table, return the corresponding encoding. Every label is
	// ASCII; non-ASCII input must not match through Unicode case folding.
	for i := 0; i < len(label); i++ {
		if label[i] >= 0x80 {
			return ""
		}
	}
	label = strings.ToLower(label)
	if name, ok := unicodeLabels[label]; ok {
		return name
	}
	if label == "" || strings.TrimSpace(label) != label {
		return "" // htmlindex trims Unicode whitespace; the standard does not
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return ""
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return ""
	}
	return name
}

// Decoder is a TextDecoder's decoder state: the Encoding Standard's decoder
// instance, I/O queue remainder and BOM handling for one stream.
type Decoder struct {
	Encoding  string
	Fatal     bool
	IgnoreBOM bool

	bomSeen    bool
	doNotFlush bool
	pending    []byte // bytes of an incomplete sequence carried to the next call
	legacy     transform.Transformer
}

// NewDecoder makes a decoder for an encoding name returned by
// EncodingForLabel (not "replacement").
func NewDecoder(name string, fatal, ignoreBOM bool) *Decoder {
	return &Decoder{Encoding: name, Fatal: fatal, IgnoreBOM: ignoreBOM}
}

// Decode runs TextDecoder's decode(input, {stream}) steps.
func (d *Decoder) Decode(input []byte, stream bool) (string, error) {
	// 1. If this's do not flush is false, set this's decoder to a new
	// instance, its I/O queue to empty and BOM seen to false.
	if !d.doNotFlush {
		d.pending = d.pending[:0]
		d.bomSeen = false
		d.legacy = nil
	}
	// 2. Set this's do not flush to options["stream"].
	d.doNotFlush = stream
	// 3. If input is given, push a copy of input to this's I/O queue.
	data := input
	if len(d.pending) > 0 {
		data = append(append([]byte(nil), d.pending...), input...)
		d.pending = d.pending[:0]
	}
	var out []byte
	var err error
	switch d.Encoding {
	case "utf-8":
		out, err = d.decodeUTF8(data, stream)
	case "utf-16le":
		out, err = d.decodeUTF16(data, stream, false)
	case "utf-16be":
		out, err = d.decodeUTF16(data, stream, true)
	default:
		return d.decodeLegacy(data, stream)
	}
	if err != nil {
		d.doNotFlush = false
		return "", err
	}
	// Serialize I/O queue: for the Unicode encodings a leading U+FEFF is
	// dropped unless ignoreBOM, and only at the start of the stream.
	if !d.IgnoreBOM && !d.bomSeen && len(out) > 0 {
		d.bomSeen = true
		if len(out) >= 3 && out[0] == 0xEF && out[1] == 0xBB && out[2] == 0xBF {
			out = out[3:]
		}
	}
	return string(out), nil
}

// decodeUTF8 is the UTF-8 decoder of the Encoding Standard over data, with
// error mode "replacement" or (Fatal) "fatal". An incomplete sequence at the
// end is kept in pending when streaming.
func (d *Decoder) decodeUTF8(data []byte, stream bool) ([]byte, error) {
	if utf8.Valid(data) {
		return data, nil
	}
	out := make([]byte, 0, len(data)+8)
	var needed, seen int
	var cp rune
	lower, upper := byte(0x80), byte(0xBF)
	start := 0 // index of the first byte of the current sequence
	for i := 0; i < len(data); i++ {
		b := data[i]
		if needed == 0 {
			start = i
			switch {
			case b <= 0x7F:
				out = append(out, b)
			case b >= 0xC2 && b <= 0xDF:
				needed, cp = 1, rune(b&0x1F)
			case b >= 0xE0 && b <= 0xEF:
				if b == 0xE0 {
					lower = 0xA0
				}
				if b == 0xED {
					upper = 0x9F
				}
				needed, cp = 2, rune(b&0xF)
			case b >= 0xF0 && b <= 0xF4:
				if b == 0xF0 {
					lower = 0x90
				}
				if b == 0xF4 {
					upper = 0x8F
				}
				needed, cp = 3, rune(b&0x7)
			default:
				if d.Fatal {
					return nil, ErrEncoding
				}
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			continue
		}
		// 4. If byte is not in the range lower boundary to upper boundary,
		// reset, restore byte to the stream and return error.
		if b < lower || b > upper {
			needed, seen, cp = 0, 0, 0
			lower, upper = 0x80, 0xBF
			if d.Fatal {
				return nil, ErrEncoding
			}
			out = utf8.AppendRune(out, utf8.RuneError)
			i-- // restore
			continue
		}
		lower, upper = 0x80, 0xBF
		cp = cp<<6 | rune(b&0x3F)
		seen++
		if seen == needed {
			out = utf8.AppendRune(out, cp)
			needed, seen, cp = 0, 0, 0
		}
	}
	if needed != 0 {
		if stream {
			d.pending = append(d.pending, data[start:]...)
		} else {
			// End of queue with bytes needed: error.
			if d.Fatal {
				return nil, ErrEncoding
			}
			out = utf8.AppendRune(out, utf8.RuneError)
		}
	}
	return out, nil
}

// decodeUTF16 is the shared UTF-16 decoder of the Encoding Standard.
func (d *Decoder) decodeUTF16(data []byte, stream, be bool) ([]byte, error) {
	out := make([]byte, 0, len(data)+8)
	bad := func() error {
		if d.Fatal {
			return ErrEncoding
		}
		out = utf8.AppendRune(out, utf8.RuneError)
		return nil
	}
	var leadSurrogate rune = -1
	leadAt := 0
	i := 0
	for ; i+1 < len(data); i += 2 {
		var cu rune
		if be {
			cu = rune(data[i])<<8 | rune(data[i+1])
		} else {
			cu = rune(data[i+1])<<8 | rune(data[i])
		}
		if leadSurrogate >= 0 {
			ls := leadSurrogate
			leadSurrogate = -1
			if cu >= 0xDC00 && cu <= 0xDFFF {
				out = utf8.AppendRune(out, 0x10000+(ls-0xD800)<<10+(cu-0xDC00))
				continue
			}
			// Restore the code unit's bytes to the stream and return error.
			if err := bad(); err != nil {
				return nil, err
			}
			i -= 2
			continue
		}
		switch {
		case cu >= 0xD800 && cu <= 0xDBFF:
			leadSurrogate, leadAt = cu, i
		case cu >= 0xDC00 && cu <= 0xDFFF:
			if err := bad(); err != nil {
				return nil, err
			}
		default:
			out = utf8.AppendRune(out, cu)
		}
	}
	odd := i < len(data)
	if leadSurrogate >= 0 || odd {
		if stream {
			from := i
			if leadSurrogate >= 0 {
				from = leadAt
			}
			d.pending = append(d.pending, data[from:]...)
		} else if err := bad(); err != nil {
			// End of queue with a lead byte or lead surrogate: error.
			return nil, err
		}
	}
	return out, nil
}

func (d *Decoder) decodeLegacy(data []byte, stream bool) (string, error) {
	if d.legacy == nil {
		enc, err := htmlindex.Get(d.Encoding)
		if err != nil {
			return "", err
		}
		d.legacy = enc.NewDecoder().Transformer
	}
	dst := make([]byte, len(data)*3+16)
	var out []byte
	src := data
	for {
		nDst, nSrc, err := d.legacy.Transform(dst, src, !stream)
		out = append(out, dst[:nDst]...)
		src = src[nSrc:]
		if err == transform.ErrShortDst {
			continue
		}
		if err == transform.ErrShortSrc && stream {
			d.pending = append(d.pending, src...)
			break
		}
		if err != nil {
			d.doNotFlush = false
			return "", ErrEncoding
		}
		break
	}
	if !stream {
		d.legacy = nil
	}
	if d.Fatal && strings.ContainsRune(string(out), utf8.RuneError) {
		// x/text's decoders replace errors; U+FFFD is not in the index of any
		// single-byte encoding, so its presence marks an error.
		d.doNotFlush = false
		return "", ErrEncoding
	}
	return string(out), nil
}

// ---- forgiving-base64 (atob/btoa) ----------------------------------------

// ForgivingBase64Decode is the Infra Standard's forgiving-base64 decode.
func ForgivingBase64Decode(s string) ([]byte, bool) {
	// 1. Remove all ASCII whitespace from data.
	if strings.ContainsAny(s, "\t\n\f\r ") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\f', '\r', ' ':
				return -1
			}
			return r
		}, s)
	}
	// 2. If data's code point length divides by 4 leaving no remainder,
	// remove one or two "=" from the end.
	if len(s)%4 == 0 {
		if strings.HasSuffix(s, "==") {
			s = s[:len(s)-2]
		} else if strings.HasSuffix(s, "=") {
			s = s[:len(s)-1]
		}
	}
	// 3. If the length divides by 4 leaving a remainder of 1, failure.
	if len(s)%4 == 1 {
		return nil, false
	}
	// 4. If data contains a code point that is not in the base64 alphabet,
	// failure.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, false
		}
	}
	// 5-9. Decode, discarding trailing bits that do not make a byte.
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return b, true
}

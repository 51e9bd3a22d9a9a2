package contentindex

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"
)

// ImageInfo describes a decoded icon.
type ImageInfo struct {
	// Format is "png", "jpeg", "gif", "webp", "ico", "bmp" or "svg".
	Format string
	// ContentType is the MIME type for the format (sniffed from the bytes,
	// never taken from the response's Content-Type).
	ContentType string
	// Width and Height are the image's size in pixels (for ICO, of the entry
	// chosen: the largest). Zero for SVG, which is not rasterised.
	Width, Height int
}

var contentTypes = map[string]string{
	"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
	"ico": "image/x-icon", "bmp": "image/bmp", "svg": "image/svg+xml",
}

// decodeSem bounds concurrent full decodes (each may allocate up to
// MaxIconPixels*4 bytes and is CPU-bound).
var decodeSem = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// maxJPEGScans bounds the scans of a (progressive) JPEG; encoders use about
// ten.
const maxJPEGScans = 64

var pngSig = []byte("\x89PNG\r\n\x1a\n")

// sniff returns the format of data by its signature ("" if none is known;
// SVG is recognised by parsing, not by signature).
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, pngSig):
		return "png"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	case bytes.HasPrefix(data, []byte{0, 0, 1, 0}):
		return "ico"
	case bytes.HasPrefix(data, []byte("BM")):
		return "bmp"
	}
	return ""
}

type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[string]codec{
	"png":  {png.DecodeConfig, png.Decode},
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"gif":  {gif.DecodeConfig, gif.Decode}, // gif.Decode stops after the first frame
	"webp": {webp.DecodeConfig, webp.Decode},
	"bmp":  {bmp.DecodeConfig, bmp.Decode},
}

// DecodeIcon proves that data decodes as an image: PNG, JPEG, GIF (first
// frame), WebP, BMP, ICO (the largest entry, PNG or BMP) or SVG (well-formed
// XML with an <svg> root in the SVG namespace or none; not rasterised).
//
// Image bombs are refused before any pixel is decoded: only the header is
// read first, and an image larger than l.MaxIconPixels (width*height) or data
// longer than l.MaxIconBytes is a QuotaExceededError. Anything that does not
// decode is a TypeError. Zero fields of l take their defaults.
func DecodeIcon(data []byte, l Limits) (ImageInfo, error) {
	l = l.WithDefaults()
	if over(len(data), l.MaxIconBytes) {
		return ImageInfo{}, quotaErr("the image is %d bytes; the limit is %d", len(data), l.MaxIconBytes)
	}
	if len(data) == 0 {
		return ImageInfo{}, typeErr("the response body is empty, not an image")
	}
	format := sniff(data)
	info := ImageInfo{Format: format, ContentType: contentTypes[format]}
	switch format {
	case "":
		if err := checkSVG(data); err != nil {
			return ImageInfo{}, err
		}
		info.Format, info.ContentType = "svg", contentTypes["svg"]
		return info, nil
	case "ico":
		w, h, err := decodeICO(data, l)
		if err != nil {
			return ImageInfo{}, err
		}
		info.Width, info.Height = w, h
		return info, nil
	}
	w, h, err := decodeRaster(data, format, l)
	if err != nil {
		return ImageInfo{}, err
	}
	info.Width, info.Height = w, h
	return info, nil
}

func checkPixels(format string, w, h int, l Limits) error {
	if w <= 0 || h <= 0 {
		return typeErr("the %s image has no pixels (%dx%d)", format, w, h)
	}
	if l.MaxIconPixels >= 0 && int64(w)*int64(h) > l.MaxIconPixels {
		return quotaErr("the %s image is %dx%d pixels; the limit is %d pixels", format, w, h, l.MaxIconPixels)
	}
	return nil
}

// decodeRaster decodes data of a format in codecs: the header first, then
// (within the pixel limit) the whole image.
func decodeRaster(data []byte, format string, l Limits) (w, h int, err error) {
	c := codecs[format]
	cfg, err := safeConfig(c, data)
	if err != nil {
		return 0, 0, typeErr("the %s image header does not decode: %v", format, err)
	}
	if err := checkPixels(format, cfg.Width, cfg.Height, l); err != nil {
		return 0, 0, err
	}
	// A progressive JPEG's every scan walks every block: thousands of tiny
	// scans make a CPU bomb (10,000 scans of 2048x2048 take a minute). An
	// SOS marker (FF DA) cannot occur inside entropy-coded data, so counting
	// the byte pairs bounds the number of scans the decoder will run.
	if format == "jpeg" {
		if n := bytes.Count(data, []byte{0xFF, 0xDA}); n > maxJPEGScans {
			return 0, 0, quotaErr("the jpeg image has %d scans; the limit is %d", n, maxJPEGScans)
		}
	}
	decodeSem <- struct{}{}
	img, err := safeDecode(c, data)
	<-decodeSem
	if err != nil {
		return 0, 0, typeErr("the %s image does not decode: %v", format, err)
	}
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		// Not expected from the standard decoders; refuse rather than trust.
		return 0, 0, typeErr("the %s image decodes to %dx%d, its header says %dx%d", format, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return cfg.Width, cfg.Height, nil
}

// safeConfig and safeDecode turn a decoder panic (a decoder bug on hostile
// input) into an error.
func safeConfig(c codec, data []byte) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("decoder failed")
		}
	}()
	return c.config(bytes.NewReader(data))
}

func safeDecode(c codec, data []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, errors.New("decoder failed")
		}
	}()
	return c.decode(bytes.NewReader(data))
}

// ---- ICO -------------------------------------------------------------------

// decodeICO parses an ICO directory (ICONDIR, then 16-byte ICONDIRENTRYs),
// picks the largest entry and decodes it: a PNG stream or a DIB (a BMP
// without its file header, twice as high as the icon: the XOR image, then the
// 1-bit AND mask).
func decodeICO(data []byte, l Limits) (w, h int, err error) {
	if len(data) < 6 {
		return 0, 0, typeErr("the ICO header is truncated")
	}
	count := int(binary.LittleEndian.Uint16(data[4:6]))
	if count == 0 {
		return 0, 0, typeErr("the ICO file has no images")
	}
	dirEnd := 6 + 16*count
	if len(data) < dirEnd {
		return 0, 0, typeErr("the ICO directory is truncated (%d entries)", count)
	}
	best, bestArea, bestBits := -1, 0, 0
	for i := range count {
		e := data[6+16*i : 6+16*(i+1)]
		ew, eh := int(e[0]), int(e[1])
		if ew == 0 {
			ew = 256
		}
		if eh == 0 {
			eh = 256
		}
		bits := int(binary.LittleEndian.Uint16(e[6:8]))
		size := int64(binary.LittleEndian.Uint32(e[8:12]))
		off := int64(binary.LittleEndian.Uint32(e[12:16]))
		if size == 0 || off < int64(dirEnd) || off+size > int64(len(data)) {
			return 0, 0, typeErr("ICO entry %d lies outside the file", i)
		}
		if a := ew * eh; a > bestArea || (a == bestArea && bits > bestBits) {
			best, bestArea, bestBits = i, a, bits
		}
	}
	e := data[6+16*best : 6+16*(best+1)]
	size := binary.LittleEndian.Uint32(e[8:12])
	off := binary.LittleEndian.Uint32(e[12:16])
	img := data[off : off+size]
	if bytes.HasPrefix(img, pngSig) {
		return decodeRaster(img, "png", l)
	}
	return decodeDIB(img, l)
}

// decodeDIB decodes an ICO entry's DIB: BITMAPINFOHEADER (or a larger
// header), uncompressed 1, 4, 8, 24 or 32 bits per pixel, bottom-up or
// top-down, with the AND mask (required below 32 bits per pixel).
func decodeDIB(b []byte, l Limits) (int, int, error) {
	if len(b) < 40 {
		return 0, 0, typeErr("the ICO entry is neither PNG nor a BMP (header truncated)")
	}
	le := binary.LittleEndian
	hdr := int64(le.Uint32(b[0:4]))
	w := int64(int32(le.Uint32(b[4:8])))
	hh := int64(int32(le.Uint32(b[8:12])))
	bpp := int(le.Uint16(b[14:16]))
	compression := le.Uint32(b[16:20])
	clrUsed := int64(le.Uint32(b[32:36]))
	if hdr < 40 || hdr > int64(len(b)) {
		return 0, 0, typeErr("the ICO entry's BMP header size %d is invalid", hdr)
	}
	topDown := hh < 0
	if topDown {
		hh = -hh
	}
	h := hh / 2 // XOR image and AND mask
	if w <= 0 || h <= 0 || w > 1<<16 || h > 1<<16 {
		return 0, 0, typeErr("the ICO entry's BMP size %dx%d is invalid", w, hh)
	}
	if err := checkPixels("ico", int(w), int(h), l); err != nil {
		return 0, 0, err
	}
	if compression != 0 {
		return 0, 0, typeErr("the ICO entry's BMP compression %d is not supported", compression)
	}
	var palette []color.NRGBA
	switch bpp {
	case 1, 4, 8:
		n := int64(1) << bpp
		if clrUsed > 0 && clrUsed < n {
			n = clrUsed
		}
		end := hdr + 4*n
		if end > int64(len(b)) {
			return 0, 0, typeErr("the ICO entry's BMP palette is truncated")
		}
		palette = make([]color.NRGBA, n)
		for i := range palette {
			p := b[hdr+4*int64(i):]
			palette[i] = color.NRGBA{R: p[2], G: p[1], B: p[0], A: 0xFF}
		}
		hdr = end
	case 24, 32:
	default:
		return 0, 0, typeErr("the ICO entry's BMP has %d bits per pixel, which is not supported", bpp)
	}
	stride := (w*int64(bpp) + 31) / 32 * 4
	maskStride := (w + 31) / 32 * 4
	xorEnd := hdr + stride*h
	if xorEnd > int64(len(b)) {
		return 0, 0, typeErr("the ICO entry's BMP pixel data is truncated")
	}
	hasMask := xorEnd+maskStride*h <= int64(len(b))
	if !hasMask && bpp != 32 {
		return 0, 0, typeErr("the ICO entry's BMP mask is truncated")
	}
	decodeSem <- struct{}{}
	defer func() { <-decodeSem }()
	img := image.NewNRGBA(image.Rect(0, 0, int(w), int(h)))
	for y := int64(0); y < h; y++ {
		row := b[hdr+stride*y : hdr+stride*(y+1)]
		dy := h - 1 - y
		if topDown {
			dy = y
		}
		for x := int64(0); x < w; x++ {
			var c color.NRGBA
			switch bpp {
			case 1, 4, 8:
				bit := x * int64(bpp)
				v := int(row[bit/8]>>(8-uint(bpp)-uint(bit%8))) & (1<<bpp - 1)
				if v >= len(palette) {
					return 0, 0, typeErr("the ICO entry's BMP uses colour %d outside its palette", v)
				}
				c = palette[v]
			case 24:
				p := row[3*x:]
				c = color.NRGBA{R: p[2], G: p[1], B: p[0], A: 0xFF}
			case 32:
				p := row[4*x:]
				c = color.NRGBA{R: p[2], G: p[1], B: p[0], A: p[3]}
			}
			if hasMask && bpp != 32 {
				m := b[xorEnd+maskStride*y+x/8]
				if m>>(7-uint(x%8))&1 == 1 {
					c.A = 0
				}
			}
			img.SetNRGBA(int(x), int(dy), c)
		}
	}
	return int(w), int(h), nil
}

// ---- SVG -------------------------------------------------------------------

func notImage(format string, args ...any) error {
	return typeErr("the response is not a supported image format (PNG, JPEG, GIF, WebP, BMP, ICO or SVG): "+format, args...)
}

const svgNS = "http://www.w3.org/2000/svg"

// checkSVG accepts data that parses as one well-formed XML document whose
// root element is <svg> in the SVG namespace (or with no namespace). The
// parser expands no entities besides XML's five, so entity bombs fail.
func checkSVG(data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '<' {
		return notImage("no known signature")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return notImage("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return notImage("the SVG document has more than one root element")
				}
				if t.Name.Local != "svg" || (t.Name.Space != "" && t.Name.Space != svgNS) {
					return notImage("the XML document's root is <%s>, not <svg>", t.Name.Local)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return notImage("the SVG document has text outside its root element")
			}
		}
	}
	if roots == 0 {
		return notImage("the XML document has no <svg> root element")
	}
	return nil
}

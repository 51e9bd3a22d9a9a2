package contentindex

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testdataIcons are the files in testdata/icons (seeds of FuzzDecodeIcon),
// written by TestWriteTestdata with CONTENTINDEX_WRITE_TESTDATA=1. The WebP
// files are copied from golang.org/x/image's testdata (BSD licence).
func generatedIcons() map[string][]byte {
	return map[string][]byte{
		"tiny.png":      encPNG(2, 2),
		"tiny.jpg":      encJPEG(2, 2),
		"tiny.gif":      encGIF(2, 2),
		"tiny.bmp":      encBMP(2, 2),
		"tiny-png.ico":  makeICO(icoEntry{2, 2, 32, encPNG(2, 2)}),
		"tiny-dib.ico":  makeICO(icoEntry{3, 3, 8, makeDIB(3, 3, 8)}, icoEntry{2, 2, 32, makeDIB(2, 2, 32)}),
		"tiny-1bpp.ico": makeICO(icoEntry{5, 4, 1, makeDIB(5, 4, 1)}),
		"tiny.svg":      []byte(tinySVG),
		"bomb.png":      pngBomb(100000, 100000),
	}
}

func TestWriteTestdata(t *testing.T) {
	if os.Getenv("CONTENTINDEX_WRITE_TESTDATA") == "" {
		t.Skip("set CONTENTINDEX_WRITE_TESTDATA=1 to rewrite testdata/icons")
	}
	for name, b := range generatedIcons() {
		if err := os.WriteFile(filepath.Join("testdata", "icons", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDecodeIconTestdata(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "icons", "*"))
	if err != nil || len(files) < 10 {
		t.Fatalf("testdata/icons: %d files, %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		info, err := DecodeIcon(b, Limits{})
		if strings.HasPrefix(filepath.Base(f), "bomb") {
			wantErr(t, err, QuotaExceededError, "100000x100000")
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		ext := strings.TrimPrefix(filepath.Ext(f), ".")
		if ext == "jpg" {
			ext = "jpeg"
		}
		if info.Format != ext {
			t.Errorf("%s: format %q", f, info.Format)
		}
	}
}

func TestDecodeIconFormats(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		format string
		ctype  string
		w, h   int
	}{
		{"png", encPNG(3, 2), "png", "image/png", 3, 2},
		{"jpeg", encJPEG(5, 4), "jpeg", "image/jpeg", 5, 4},
		{"gif", encGIF(7, 1), "gif", "image/gif", 7, 1},
		{"bmp", encBMP(2, 3), "bmp", "image/bmp", 2, 3},
		{"ico png", makeICO(icoEntry{16, 16, 32, encPNG(16, 16)}), "ico", "image/x-icon", 16, 16},
		{"ico largest of two", makeICO(icoEntry{2, 2, 32, encPNG(2, 2)}, icoEntry{4, 4, 32, encPNG(4, 4)}), "ico", "image/x-icon", 4, 4},
		{"ico dib 1bpp", makeICO(icoEntry{9, 3, 1, makeDIB(9, 3, 1)}), "ico", "image/x-icon", 9, 3},
		{"ico dib 4bpp", makeICO(icoEntry{3, 3, 4, makeDIB(3, 3, 4)}), "ico", "image/x-icon", 3, 3},
		{"ico dib 8bpp", makeICO(icoEntry{3, 2, 8, makeDIB(3, 2, 8)}), "ico", "image/x-icon", 3, 2},
		{"ico dib 24bpp", makeICO(icoEntry{3, 2, 24, makeDIB(3, 2, 24)}), "ico", "image/x-icon", 3, 2},
		{"ico dib 32bpp", makeICO(icoEntry{3, 2, 32, makeDIB(3, 2, 32)}), "ico", "image/x-icon", 3, 2},
		{"ico 256", makeICO(icoEntry{256, 256, 32, encPNG(256, 256)}), "ico", "image/x-icon", 256, 256},
		{"svg", []byte(tinySVG), "svg", "image/svg+xml", 0, 0},
		{"svg no namespace, bom, doctype", []byte("\xEF\xBB\xBF <!DOCTYPE svg><!-- c --><svg><g/></svg>\n"), "svg", "image/svg+xml", 0, 0},
		{"svg prefixed", []byte(`<s:svg xmlns:s="http://www.w3.org/2000/svg"/>`), "svg", "image/svg+xml", 0, 0},
	}
	if b, err := os.ReadFile("testdata/icons/gopher-doc.1bpp.lossless.webp"); err == nil {
		cases = append(cases, struct {
			name   string
			data   []byte
			format string
			ctype  string
			w, h   int
		}{"webp lossless", b, "webp", "image/webp", 0, 0})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := DecodeIcon(c.data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != c.format || info.ContentType != c.ctype {
				t.Errorf("got %+v", info)
			}
			if c.w != 0 && (info.Width != c.w || info.Height != c.h) {
				t.Errorf("size %dx%d, want %dx%d", info.Width, info.Height, c.w, c.h)
			}
		})
	}
}

func TestDecodeIconBombs(t *testing.T) {
	small := Limits{MaxIconPixels: 64 * 64, MaxIconBytes: 4096}
	cases := []struct {
		name   string
		data   []byte
		limits Limits
		err    string
		frag   string
	}{
		{"png 100000x100000", pngBomb(100000, 100000), Limits{}, QuotaExceededError, "100000x100000"},
		{"png just over", pngBomb(2049, 2048), Limits{}, QuotaExceededError, "2049x2048"},
		{"png max int", pngBomb(0x7fffffff, 0x7fffffff), Limits{}, TypeError, "header does not decode"},
		{"gif 65535x65535", gifBomb(65535, 65535), Limits{}, QuotaExceededError, "65535x65535"},
		{"jpeg 65535x65535", jpegBomb(65535, 65535), Limits{}, QuotaExceededError, "65535x65535"},
		{"webp 16383x16383", webpBomb(16383, 16383), Limits{}, QuotaExceededError, "16383x16383"},
		{"bmp 60000x60000", bmpBomb(60000, 60000), Limits{}, QuotaExceededError, "60000x60000"},
		{"ico with png bomb", makeICO(icoEntry{0, 0, 32, pngBomb(100000, 100000)}), Limits{}, QuotaExceededError, "100000x100000"},
		{"ico with dib bomb", makeICO(icoEntry{0, 0, 32, func() []byte {
			d := makeDIB(2, 2, 32)
			d[4], d[5], d[6] = 0xff, 0xff, 0
			d[8], d[9], d[10] = 0xfe, 0xff, 1
			return d
		}()}), Limits{}, QuotaExceededError, "pixels"},
		{"jpeg scan bomb", jpegScanBomb(2048, 1000), Limits{}, QuotaExceededError, "the jpeg image has 1001 scans; the limit is 64"},
		{"progressive jpeg within the scan limit", jpegScanBomb(64, 20), Limits{}, "", ""},
		{"small limit png", encPNG(65, 64), small, QuotaExceededError, "65x64"},
		{"bytes", make([]byte, 4097), small, QuotaExceededError, "4097 bytes"},
		{"unlimited pixels still decodes header only", encPNG(4, 4), Limits{MaxIconPixels: -1}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := DecodeIcon(c.data, c.limits)
			runtime.ReadMemStats(&after)
			wantErr(t, err, c.err, c.frag)
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("refusing allocated %d bytes", n)
			}
		})
	}
}

func TestDecodeIconRejects(t *testing.T) {
	png := encPNG(4, 4)
	cases := []struct {
		name string
		data []byte
		frag string
	}{
		{"empty", nil, "empty"},
		{"garbage", []byte("hello world"), "not a supported image format"},
		{"html", []byte("<!doctype html><html><body>404</body></html>"), "not"},
		{"xml not svg", []byte(`<?xml version="1.0"?><rss/>`), "not <svg>"},
		{"svg wrong namespace", []byte(`<svg xmlns="http://example.com/ns"/>`), "not <svg>"},
		{"svg unclosed", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><g>`), "not well-formed"},
		{"svg two roots", []byte(`<svg/><svg/>`), "more than one root"},
		{"svg text after root", []byte(`<svg/>junk`), "text outside"},
		{"svg entity bomb", []byte(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>`), "not well-formed"},
		{"svg latin1", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><svg/>`), "not well-formed"},
		{"truncated png", png[:len(png)/2], "does not decode"},
		{"png header only", png[:20], "header does not decode"},
		{"corrupt png data", func() []byte { b := append([]byte(nil), png...); b[len(b)-20] ^= 0xff; return b }(), "does not decode"},
		{"jpeg signature only", []byte{0xFF, 0xD8, 0xFF, 0xE0}, "header does not decode"},
		{"gif header only", []byte("GIF89a"), "header does not decode"},
		{"webp riff only", []byte("RIFF\x04\x00\x00\x00WEBP"), "header does not decode"},
		{"png zero width", pngBomb(0, 10), "does not decode"},
		{"ico truncated", []byte{0, 0, 1, 0, 1}, "truncated"},
		{"ico no images", []byte{0, 0, 1, 0, 0, 0}, "no images"},
		{"ico directory truncated", []byte{0, 0, 1, 0, 2, 0, 1, 1, 0, 0}, "directory is truncated"},
		{"ico entry outside", func() []byte { b := makeICO(icoEntry{2, 2, 32, encPNG(2, 2)}); b[6+8] = 0xff; b[6+9] = 0xff; return b }(), "outside the file"},
		{"ico entry overlapping directory", func() []byte { b := makeICO(icoEntry{2, 2, 32, encPNG(2, 2)}); b[6+12] = 0; return b }(), "outside the file"},
		{"ico dib truncated", makeICO(icoEntry{3, 3, 8, makeDIB(3, 3, 8)[:60]}), "truncated"},
		{"ico dib 16bpp", makeICO(icoEntry{2, 2, 16, func() []byte { d := makeDIB(2, 2, 24); d[14] = 16; return d }()}), "bits per pixel"},
		{"ico dib rle", makeICO(icoEntry{2, 2, 8, func() []byte { d := makeDIB(2, 2, 8); d[16] = 1; return d }()}), "compression"},
		{"ico dib no mask", makeICO(icoEntry{3, 3, 8, func() []byte { d := makeDIB(3, 3, 8); return d[:len(d)-12] }()}), "mask is truncated"},
		{"ico dib palette index out of range", makeICO(icoEntry{2, 2, 8, func() []byte {
			d := makeDIB(2, 2, 8)
			d[32] = 1 // one palette colour, but pixels use 1
			return append(d[:44], d[40+4*256:]...)
		}()}), "outside its palette"},
		{"ico dib zero height", makeICO(icoEntry{2, 2, 32, func() []byte { d := makeDIB(2, 2, 32); d[8] = 1; return d }()}), "invalid"},
		{"ico neither png nor bmp", makeICO(icoEntry{2, 2, 32, []byte("not an image at all")}), "neither PNG nor a BMP"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeIcon(c.data, Limits{})
			wantErr(t, err, TypeError, c.frag)
		})
	}
}

func FuzzDecodeIcon(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "icons", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, b := range generatedIcons() {
		f.Add(b)
	}
	f.Add(gifBomb(300, 300))
	f.Add(webpBomb(100, 100))
	lim := Limits{MaxIconPixels: 512 * 512, MaxIconBytes: 64 << 10}
	slowDir := os.Getenv("CONTENTINDEX_FUZZ_SLOW") // keep inputs slower than 1s here
	f.Fuzz(func(t *testing.T, data []byte) {
		if slowDir != "" {
			timer := time.AfterFunc(time.Second, func() {
				os.WriteFile(filepath.Join(slowDir, fmt.Sprintf("slow-%x", sha256.Sum256(data))), data, 0o644)
			})
			defer timer.Stop()
		}
		info, err := DecodeIcon(data, lim)
		if err != nil {
			if n := ErrorName(err); n != TypeError && n != QuotaExceededError {
				t.Fatalf("error name %q: %v", n, err)
			}
			return
		}
		if info.ContentType == "" || !strings.HasPrefix(info.ContentType, "image/") {
			t.Fatalf("accepted with content type %q", info.ContentType)
		}
		if int64(info.Width)*int64(info.Height) > lim.MaxIconPixels {
			t.Fatalf("accepted %dx%d over the pixel limit", info.Width, info.Height)
		}
		if info.Format != "svg" && (info.Width <= 0 || info.Height <= 0) {
			t.Fatalf("accepted a %s of %dx%d", info.Format, info.Width, info.Height)
		}
	})
}

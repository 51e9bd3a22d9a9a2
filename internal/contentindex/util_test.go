package contentindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/bmp"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// ---- images ------------------------------------------------------------------

func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 40), uint8(y * 40), 200, 255})
		}
	}
	return img
}

func encPNG(w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encJPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encGIF(w, h int) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encBMP(w, h int) []byte {
	var b bytes.Buffer
	if err := bmp.Encode(&b, testImage(w, h)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pngChunk encodes one PNG chunk.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	c := crc32.NewIEEE()
	c.Write([]byte(typ))
	c.Write(data)
	binary.Write(&b, binary.BigEndian, c.Sum32())
	return b.Bytes()
}

// pngBomb is a valid PNG header claiming w x h RGBA pixels, with a tiny
// IDAT: decoding it fully would allocate w*h*4 bytes.
func pngBomb(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	var b bytes.Buffer
	b.Write(pngSig)
	b.Write(pngChunk("IHDR", ihdr))
	b.Write(pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// gifBomb is a GIF header with a w x h logical screen.
func gifBomb(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0, 0, 0) // no global colour table
	// image descriptor covering the screen, no local table, LZW min 2, empty data
	b = append(b, 0x2C, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0, 2, 0, 0x3B)
	return b
}

// jpegBomb is a JPEG whose SOF0 claims w x h.
func jpegBomb(w, h uint16) []byte {
	j := encJPEG(8, 8)
	// Patch the SOF0 frame size.
	i := bytes.Index(j, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(j[i+5:], h)
	binary.BigEndian.PutUint16(j[i+7:], w)
	return j
}

// jpegScanBomb is a progressive JPEG of size x size (one component) with a
// DC scan and then scans AC scans of nothing but end-of-band runs: tiny,
// yet each scan walks every block.
func jpegScanBomb(size, scans int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	b.Write([]byte{0xFF, 0xDB, 0x00, 0x43, 0x00})
	b.Write(bytes.Repeat([]byte{1}, 64))
	b.Write([]byte{0xFF, 0xC2, 0x00, 0x0B, 0x08, byte(size >> 8), byte(size), byte(size >> 8), byte(size), 0x01, 0x01, 0x11, 0x00})
	// DC table: one 1-bit code for symbol 0; AC table: one 1-bit code for
	// EOB14 (an end-of-band run of 2^14 + 14 bits).
	dht := func(class, sym byte) {
		b.Write([]byte{0xFF, 0xC4, 0x00, 0x14, class << 4, 1})
		b.Write(make([]byte, 15))
		b.WriteByte(sym)
	}
	dht(0, 0x00)
	dht(1, 0xE0)
	b.Write([]byte{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00})
	b.Write(make([]byte, (size/8)*(size/8)/8+4))
	for range scans {
		b.Write([]byte{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x00})
		b.Write(make([]byte, 10))
	}
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// webpBomb is a VP8X (extended) WebP claiming a w x h canvas.
func webpBomb(w, h uint32) []byte {
	vp8x := make([]byte, 10)
	vp8x[0] = 0
	put24 := func(b []byte, v uint32) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	var chunk []byte
	chunk = append(chunk, "VP8X"...)
	chunk = binary.LittleEndian.AppendUint32(chunk, 10)
	chunk = append(chunk, vp8x...)
	var b []byte
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(4+len(chunk)))
	b = append(b, "WEBP"...)
	return append(b, chunk...)
}

// bmpBomb is a BMP file header claiming w x h at 24 bits per pixel.
func bmpBomb(w, h int32) []byte {
	b := make([]byte, 54)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], 54)
	binary.LittleEndian.PutUint32(b[10:], 54)
	binary.LittleEndian.PutUint32(b[14:], 40)
	binary.LittleEndian.PutUint32(b[18:], uint32(w))
	binary.LittleEndian.PutUint32(b[22:], uint32(h))
	binary.LittleEndian.PutUint16(b[26:], 1)
	binary.LittleEndian.PutUint16(b[28:], 24)
	return b
}

type icoEntry struct {
	w, h int // directory size (256 is written as 0)
	bpp  int
	data []byte
}

func makeICO(entries ...icoEntry) []byte {
	b := []byte{0, 0, 1, 0}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	off := 6 + 16*len(entries)
	for _, e := range entries {
		b = append(b, byte(e.w), byte(e.h), 0, 0)
		b = binary.LittleEndian.AppendUint16(b, 1)
		b = binary.LittleEndian.AppendUint16(b, uint16(e.bpp))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e.data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(off))
		off += len(e.data)
	}
	for _, e := range entries {
		b = append(b, e.data...)
	}
	return b
}

// makeDIB makes an ICO entry's DIB: w x h at bpp (1, 4, 8, 24, 32), with the
// AND mask (the top-left pixel transparent).
func makeDIB(w, h, bpp int) []byte {
	var b []byte
	hdr := make([]byte, 40)
	binary.LittleEndian.PutUint32(hdr[0:], 40)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(w))
	binary.LittleEndian.PutUint32(hdr[8:], uint32(2*h))
	binary.LittleEndian.PutUint16(hdr[12:], 1)
	binary.LittleEndian.PutUint16(hdr[14:], uint16(bpp))
	b = append(b, hdr...)
	if bpp <= 8 {
		for i := range 1 << bpp {
			b = append(b, byte(i), byte(255-i), byte(i*3), 0)
		}
	}
	stride := (w*bpp + 31) / 32 * 4
	for y := range h {
		row := make([]byte, stride)
		for x := range w {
			switch bpp {
			case 1, 4, 8:
				v := (x + y) % (1 << bpp)
				bit := x * bpp
				row[bit/8] |= byte(v << (8 - bpp - bit%8))
			case 24:
				copy(row[3*x:], []byte{byte(x), byte(y), 0x80})
			case 32:
				copy(row[4*x:], []byte{byte(x), byte(y), 0x80, 0xFF})
			}
		}
		b = append(b, row...)
	}
	maskStride := (w + 31) / 32 * 4
	for y := range h {
		row := make([]byte, maskStride)
		if y == h-1 { // bottom-up: the last row is the top
			row[0] = 0x80
		}
		b = append(b, row...)
	}
	return b
}

const tinySVG = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect width="16" height="16" fill="#08c"/></svg>
`

// ---- errors ------------------------------------------------------------------

// wantErr checks err's exception name and that its message contains frag.
func wantErr(t *testing.T, err error, name, frag string) {
	t.Helper()
	if name == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var je *js.Error
	if !errors.As(err, &je) {
		t.Fatalf("want %s containing %q, got %T %v", name, frag, err, err)
	}
	if je.Name != name || !strings.Contains(je.Message, frag) {
		t.Fatalf("want %s containing %q, got %s: %s", name, frag, je.Name, je.Message)
	}
}

// ---- fetchers ----------------------------------------------------------------

// iconServer serves fixed bodies by URL; a URL with a gate blocks until the
// gate is released (or the request's context ends).
type iconServer struct {
	mu     sync.Mutex
	bodies map[string][]byte
	status map[string]int
	gates  map[string]chan struct{}
	reqs   []*web.Request
	// started receives each URL as its fetch starts.
	started chan string
}

func newIconServer() *iconServer {
	return &iconServer{bodies: map[string][]byte{}, status: map[string]int{}, gates: map[string]chan struct{}{},
		started: make(chan string, 1024)}
}

func (s *iconServer) serve(url string, body []byte) { s.mu.Lock(); s.bodies[url] = body; s.mu.Unlock() }

// gate makes fetches of url block until the returned function is called.
func (s *iconServer) gate(url string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.gates[url] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func (s *iconServer) requests() []*web.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*web.Request(nil), s.reqs...)
}

func (s *iconServer) Fetch(ctx context.Context, req *web.Request) (*web.Response, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, req.Clone())
	gate := s.gates[req.URL]
	body, ok := s.bodies[req.URL]
	status := s.status[req.URL]
	s.mu.Unlock()
	s.started <- req.URL
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if !ok {
		return nil, errors.New("connection refused")
	}
	if status == 0 {
		status = 200
	}
	return &web.Response{Type: "opaque", Status: status, Body: body, HasBody: true, URLList: []string{req.URL}}, nil
}

// ---- clock -------------------------------------------------------------------

type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration // added at each reading
}

// newClock returns a clock that advances 1ms at each reading (so entries'
// Added times differ).
func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Millisecond}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ---- index helpers ------------------------------------------------------------

const (
	testReg   = "reg1"
	testScope = "https://news.example/"
	testBase  = "https://news.example/sw.js"
)

func testEnv(f web.Fetcher) Env {
	return Env{BaseURL: testBase, Origin: "https://news.example", Fetcher: f}
}

func desc(id string, icons ...string) Description {
	d := Description{ID: id, Title: "Title " + id, Description: "About " + id, Category: "article",
		URL: "/article/" + id, Icons: []ImageResource{}}
	for _, s := range icons {
		d.Icons = append(d.Icons, ImageResource{Src: s})
	}
	return d
}

func ids(ds []Description) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.ID
	}
	return strings.Join(s, ",")
}

func mustOK[T any](t *testing.T, op *Op[T]) T {
	t.Helper()
	v, err := op.Wait(t.Context())
	if err != nil {
		t.Fatalf("operation failed: %v", err)
	}
	return v
}

func notDone[T any](t *testing.T, op *Op[T], what string) {
	t.Helper()
	select {
	case <-op.Done():
		_, err := op.Result()
		t.Fatalf("%s completed too early (err %v)", what, err)
	default:
	}
}

func newTestIndex(t testing.TB, opts Options) *Index {
	t.Helper()
	x, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

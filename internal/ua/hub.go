package ua

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/swhost/swhost/internal/contentindex"
)

// hub keeps the content index's display notifications, numbered, so that
// a shelf page rendered at cursor N gets every change after N on its event
// stream, and a stream that reconnects (Last-Event-ID) resumes where it
// was. It holds one subscription to the index for all streams; the
// index's callback only appends under a mutex and never blocks.
type hub struct {
	epoch  string // tells this process's cursors from an earlier one's
	cancel func()

	mu      sync.Mutex
	seq     uint64
	events  []hubEvent // the latest events, oldest first
	changed chan struct{}
}

type hubEvent struct {
	seq   uint64
	kind  contentindex.EventKind
	entry contentindex.Entry
}

// hubKeep is how many events a stream can fall behind before it must
// reload the page.
const hubKeep = 4096

func newHub(x Index) *hub {
	h := &hub{epoch: strings.ToLower(rand.Text()[:8]), changed: make(chan struct{})}
	h.cancel = x.Subscribe(h.add)
	return h
}

func (h *hub) close() { h.cancel() }

func (h *hub) add(ev contentindex.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	h.events = append(h.events, hubEvent{seq: h.seq, kind: ev.Kind, entry: ev.Entry})
	if len(h.events) > 2*hubKeep {
		h.events = append([]hubEvent(nil), h.events[len(h.events)-hubKeep:]...)
	}
	close(h.changed)
	h.changed = make(chan struct{})
}

// cursor names the current position ("epoch-seq").
func (h *hub) cursor() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.epoch + "-" + strconv.FormatUint(h.seq, 10)
}

func (h *hub) format(seq uint64) string { return h.epoch + "-" + strconv.FormatUint(seq, 10) }

// parse reads a cursor of this hub; ok is false for another epoch's.
func (h *hub) parse(c string) (uint64, bool) {
	ep, n, found := strings.Cut(c, "-")
	if !found || ep != h.epoch {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return seq, err == nil
}

// since returns the events after seq and a channel closed on the next
// change; ok is false when seq is too old (or from the future).
func (h *hub) since(seq uint64) (evs []hubEvent, changed <-chan struct{}, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if seq > h.seq {
		return nil, nil, false
	}
	keep := h.events
	if len(keep) > hubKeep {
		keep = keep[len(keep)-hubKeep:]
	}
	if seq < h.seq && (len(keep) == 0 || keep[0].seq > seq+1) {
		return nil, nil, false
	}
	i := len(keep) - int(h.seq-seq)
	return append([]hubEvent(nil), keep[i:]...), h.changed, true
}

// sseKeepAlive is how often an idle stream sends a comment, so that dead
// connections are noticed.
const sseKeepAlive = 25 * time.Second

// startSSE writes the headers of an event stream.
func startSSE(w http.ResponseWriter) *http.ResponseController {
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_, _ = fmt.Fprint(w, "retry: 2000\n\n")
	_ = rc.Flush()
	return rc
}

// writeSSE writes one event; data is JSON-encoded on one line.
func writeSSE(w *bytes.Buffer, event, id string, data any) {
	if id != "" {
		fmt.Fprintf(w, "id: %s\n", id)
	}
	if event == "" {
		w.WriteString("\n")
		return
	}
	b, _ := json.Marshal(data)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
}

// displayEvent is the data of a "display" event: the entry, and its card
// rendered as the shelf renders it.
type displayEvent struct {
	Key   string    `json:"key"`
	HTML  string    `json:"html"`
	Entry entryJSON `json:"entry"`
}

type undisplayEvent struct {
	Key string `json:"key"`
}

// GET /api/index/events?since=CURSOR&q=&category=&origin=
//
// A server-sent event stream of the shelf's changes: "display" (an entry
// is shown, or shown again after an overwrite: replace the card with the
// same key) and "undisplay" (remove it). An entry displayed that does not
// match the filter comes as "undisplay". "reload" means the stream cannot
// resume from the cursor: render the list again. Without a cursor, the
// stream starts with a "display" for every entry displayed now.
func (h *Handler) indexEvents(w http.ResponseWriter, r *http.Request) {
	hb := h.indexHub()
	f := parseFilter(r.URL.Query())
	f.All = false
	match := f.matcher()
	c := r.Header.Get("Last-Event-ID")
	if c == "" {
		c = r.URL.Query().Get("since")
	}
	ret := "/"
	if q := f.values(); len(q) > 0 {
		ret = "/?" + q.Encode()
	}
	rc := startSSE(w)
	var buf bytes.Buffer
	var seq uint64
	if c == "" {
		// A fresh stream: the current selection, then the changes.
		cur := hb.cursor()
		seq, _ = hb.parse(cur)
		shown := h.b.Index().List(true)
		for i := range shown {
			if match(&shown[i]) {
				h.writeDisplay(&buf, "", &shown[i], ret)
			}
		}
		writeSSE(&buf, "", cur, nil)
	} else {
		var ok bool
		if seq, ok = hb.parse(c); !ok {
			writeSSE(&buf, "reload", "", map[string]string{"reason": "the host restarted"})
			_, _ = w.Write(buf.Bytes())
			return
		}
	}
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		evs, changed, ok := hb.since(seq)
		if !ok {
			writeSSE(&buf, "reload", "", map[string]string{"reason": "too many changes to catch up with"})
			_, _ = w.Write(buf.Bytes())
			return
		}
		for i := range evs {
			ev := &evs[i]
			seq = ev.seq
			id := hb.format(ev.seq)
			if ev.kind == contentindex.Display && match(&ev.entry) {
				h.writeDisplay(&buf, id, &ev.entry, ret)
			} else {
				writeSSE(&buf, "undisplay", id, undisplayEvent{Key: entryKey(ev.entry.RegID, ev.entry.Description.ID)})
			}
		}
		if buf.Len() > 0 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			buf.Reset()
			if rc.Flush() != nil {
				return
			}
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-h.stop:
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

func (h *Handler) writeDisplay(buf *bytes.Buffer, id string, e *contentindex.Entry, ret string) {
	var html bytes.Buffer
	if err := h.pages["shelf"].ExecuteTemplate(&html, "card", h.card(e, ret)); err != nil {
		h.log.Warn("ua: rendering a shelf card", "error", err)
	}
	writeSSE(buf, "display", id, displayEvent{Key: entryKey(e.RegID, e.Description.ID), HTML: html.String(), Entry: toJSON(*e)})
}

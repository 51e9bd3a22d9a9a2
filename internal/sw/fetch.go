package sw

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/web"
)

// fetchCall is one fetch event the host fires (Handle Fetch): the request
// it is for, and where its answer goes. The FetchEvent holds it (as an
// opaque Go value) until it is collected: its request is made from req
// when the script first reads it.
type fetchCall struct {
	req     *web.Request
	answers chan fetchAnswer
	// answered is what the first answer was, for the event's record.
	answered atomic.Pointer[string]
}

type fetchAnswer struct {
	resp *web.Response
	none bool
	err  error
}

// answer delivers the first answer; later ones are dropped.
func (fc *fetchCall) answer(a fetchAnswer) {
	select {
	case fc.answers <- a:
	default:
		return
	}
	what := "network"
	switch {
	case a.err != nil:
		what = "network error"
	case a.resp != nil:
		what = "response " + strconv.Itoa(a.resp.Status)
	}
	fc.answered.Store(&what)
}

// record adds the fetch to its event's record: the URL, and the answer
// ("network error" when the event failed before answering).
func (fc *fetchCall) record(rec *EventRecord) {
	rec.URL = fc.req.URL
	if a := fc.answered.Load(); a != nil {
		rec.Answer = *a
	} else if rec.Outcome != "ok" {
		rec.Answer = "network error"
	}
}

// dispatch makes and fires the FetchEvent on the loop
// (internals.dispatchFetch), as the pending event id.
func (fc *fetchCall) dispatch(env *Env, rt *sobek.Runtime, id int64) error {
	_, err := env.callCached(&env.fnDispatchFetch, "dispatchFetch", rt.ToValue(fc), rt.ToValue(fc.req.ClientID), rt.ToValue(fc.req.ResultingClientID), rt.ToValue(id))
	return err
}

// DispatchFetch fires a fetch event at w for req (Handle Fetch). It returns
// the worker's response, nil when the worker did not call respondWith (the
// caller falls back to the network), or an error for a network error (a
// rejected respondWith, a non-Response value, a failed worker).
//
// It waits while w is activating (its activate event runs), as Handle Fetch
// does, and returns as soon as the response is known; the event's extend
// lifetime may go on (waitUntil) and keeps the worker running.
func (c *Core) DispatchFetch(ctx context.Context, w *Worker, req *web.Request) (*web.Response, error) {
	// Handle Fetch: an activating worker is waited for.
	if err := w.untilActivated(ctx); err != nil {
		return nil, err
	}
	if !w.HasEventListener("fetch") {
		return nil, nil // "skip the fetch event": no fetch listener
	}
	// The event's request is made when the script reads it, maybe after
	// this returns: it sees req as it is now.
	snap := *req
	snap.Header = req.Header.Clone()
	fc := &fetchCall{req: &snap, answers: make(chan fetchAnswer, 1)}
	// The lifetime is not bound to ctx: the worker keeps it going after
	// the answer (waitUntil). A lifetime that fails before an answer is
	// the answer; one that ends normally is always preceded by it
	// (internals.dispatchFetch answers first).
	c.fire(context.WithoutCancel(ctx), w, &pendingEvent{typ: "fetch", fetch: fc, ended: func(_ *EventResult, err error) {
		if err != nil {
			fc.answer(fetchAnswer{err: fmt.Errorf("fetch event: %w", err)})
		}
	}})
	select {
	case a := <-fc.answers:
		if a.none {
			return nil, nil
		}
		return a.resp, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetchRequest is ops.fetchRequest(host): the JS Request of a fetch event
// the host fired, made when the script first reads event.request.
func (e *Env) fetchRequest(call sobek.FunctionCall) sobek.Value {
	fc, ok := call.Argument(0).Export().(*fetchCall)
	if !ok {
		panic(e.Realm.Runtime().NewTypeError("fetchRequest: not a fetch event's handle"))
	}
	return web.RequestToJS(e.Realm, fc.req)
}

// fetchAnswer is ops.fetchAnswer(host, kind, response): the outcome of a
// fetch event the host fired, 'none', 'response' or 'error'.
func (e *Env) fetchAnswer(call sobek.FunctionCall) sobek.Value {
	fc, ok := call.Argument(0).Export().(*fetchCall)
	if !ok {
		panic(e.Realm.Runtime().NewTypeError("fetchAnswer: not a fetch event's handle"))
	}
	switch call.Argument(1).String() {
	case "none":
		fc.answer(fetchAnswer{none: true})
	case "response":
		// The body may be a stream the script is still writing (its
		// record says "response" until the answer is made).
		what := "response"
		fc.answered.CompareAndSwap(nil, &what)
		web.ResponseFromJSAsync(e.Realm, call.Argument(2), func(resp *web.Response, err error) {
			if resp != nil {
				resp.ServiceWorker = true // not a network response: no CORS check
			}
			fc.answer(fetchAnswer{resp: resp, err: err})
		})
	default:
		fc.answer(fetchAnswer{err: fmt.Errorf("the service worker's respondWith() did not produce a response")})
	}
	return sobek.Undefined()
}

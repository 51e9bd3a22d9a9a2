package sw

import (
	"context"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/web"
)

// DispatchFetch fires a fetch event at w for req (Handle Fetch). It returns
// the worker's response, nil when the worker did not call respondWith (the
// caller falls back to the network), or an error for a network error (a
// rejected respondWith, a non-Response value, a failed worker).
//
// It returns as soon as the response is known; the event's extend lifetime
// may go on (waitUntil) and keeps the worker running.
func (c *Core) DispatchFetch(ctx context.Context, w *Worker, req *web.Request) (*web.Response, error) {
	if !w.HasEventListener("fetch") {
		return nil, nil // "skip the fetch event": no fetch listener
	}
	type answer struct {
		resp *web.Response
		none bool
		err  error
	}
	answered := make(chan answer, 1)
	answer1 := func(a answer) {
		select {
		case answered <- a:
		default:
		}
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Dispatch(context.WithoutCancel(ctx), w, Event{Type: "fetch", Build: func(env *Env, rt *sobek.Runtime) (sobek.Value, error) {
			init := rt.NewObject()
			_ = init.Set("request", web.RequestToJS(env.Realm, req))
			_ = init.Set("clientId", req.ClientID)
			_ = init.Set("resultingClientId", req.ResultingClientID)
			_ = init.Set("cancelable", true)
			return newEvent(env, "FetchEvent", "fetch", init)
		}, Invoke: func(env *Env, event, done sobek.Value) error {
			rt := env.Realm.Runtime()
			onResponse := rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
				switch call.Argument(0).String() {
				case "none":
					answer1(answer{none: true})
				case "response":
					// The body may be a stream the script is still writing.
					web.ResponseFromJSAsync(env.Realm, call.Argument(1), func(resp *web.Response, err error) {
						if resp != nil {
							resp.ServiceWorker = true // not a network response: no CORS check
						}
						answer1(answer{resp: resp, err: err})
					})
				default:
					answer1(answer{err: fmt.Errorf("the service worker's respondWith() did not produce a response")})
				}
				return sobek.Undefined()
			})
			_, err := env.callInternal("dispatchFetch", event, onResponse, done)
			return err
		}})
		errc <- err
	}()
	select {
	case a := <-answered:
		if a.none {
			return nil, nil
		}
		return a.resp, a.err
	case err := <-errc:
		// The lifetime ended (or failed) before an answer.
		select {
		case a := <-answered:
			if a.none {
				return nil, nil
			}
			return a.resp, a.err
		default:
		}
		if err != nil {
			return nil, fmt.Errorf("fetch event: %w", err)
		}
		// It ended normally: dispatchFetch decides the answer in the same
		// task (which may end the lifetime first, as when no listener
		// called respondWith), or the response's stream body is still
		// being read. Either way the answer comes.
		select {
		case a := <-answered:
			if a.none {
				return nil, nil
			}
			return a.resp, a.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

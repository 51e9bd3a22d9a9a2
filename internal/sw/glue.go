package sw

import (
	"fmt"
	"net/http"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// installPlatform installs the web platform preludes that sit between the
// base and the Service Workers objects: URL, encoding, structured clone,
// messaging, and the Fetch API with the realm's fetcher.
func installPlatform(env *Env) error {
	kind := "window"
	if env.kind == envWorker {
		kind = "worker"
	}
	if err := web.InstallPlatform(env.Realm, web.PlatformEnv{Location: env.URL, Kind: kind, UserAgent: env.core.opts.UserAgent,
		HardwareConcurrency: numCPU()}); err != nil {
		return err
	}
	clientID := ""
	if env.Client != nil {
		clientID = env.Client.ID
	}
	return web.InstallFetch(env.Realm, web.FetchEnv{Fetcher: env.Fetcher, BaseURL: env.URL, Origin: env.Origin,
		ClientID: clientID, ServiceWorker: env.kind == envWorker})
}

func newNetworkFetcher(rt http.RoundTripper) web.Fetcher { return web.NetworkFetcher(rt) }

// serializeMessage runs StructuredSerializeWithTransfer for postMessage
// (message, transfer list or options already reduced to a list in JS).
func serializeMessage(r *js.Realm, v, transfer sobek.Value) (*web.Cloned, error) {
	var list []sobek.Value
	if obj, ok := transfer.(*sobek.Object); ok && !sobek.IsUndefined(transfer) && !sobek.IsNull(transfer) {
		n := int(obj.Get("length").ToInteger())
		for i := 0; i < n; i++ {
			list = append(list, obj.Get(fmt.Sprint(i)))
		}
	}
	return web.Serialize(r, v, list)
}

// deserializeMessage returns the data and the MessagePorts (as a JS array).
func deserializeMessage(r *js.Realm, m *web.Cloned) (sobek.Value, sobek.Value, error) {
	v, transferred, err := web.DeserializeWithTransfer(r, m)
	if err != nil {
		return nil, r.Runtime().NewArray(), err
	}
	ports := web.MessagePortsIn(r, transferred)
	vals := make([]any, len(ports))
	for i, p := range ports {
		vals[i] = p
	}
	return v, r.Runtime().NewArray(vals...), nil
}

// newMessageEvent builds a MessageEvent through the platform.
func newMessageEvent(env *Env, typ string, data, source, ports sobek.Value, origin string) sobek.Value {
	init := web.MessageEventInit{Data: data, Origin: origin, Source: source}
	if obj, ok := ports.(*sobek.Object); ok {
		n := int(obj.Get("length").ToInteger())
		for i := 0; i < n; i++ {
			init.Ports = append(init.Ports, obj.Get(fmt.Sprint(i)))
		}
	}
	ev, err := web.NewMessageEvent(env.Realm, typ, init)
	if err != nil {
		env.core.log.Error("making MessageEvent", "error", err)
		v, _ := newEvent(env, "Event", typ, nil)
		return v
	}
	return ev
}

package web_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// plRun runs a script in r.
func plRun(t testing.TB, r *js.Realm, src string) {
	t.Helper()
	err := r.Do(context.Background(), func(*sobek.Runtime) error {
		_, err := r.Run(&js.Script{Name: "https://test.example/run.js", Source: src})
		return err
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
}

func TestMessageEventConstructor(t *testing.T) {
	r, _ := newPlatformRealm(t, web.PlatformEnv{})
	plRunCases(t, r, []plCase{
		{`const e = new MessageEvent('message'); [e.type, e.data, e.origin, e.lastEventId, e.source, e.ports, e.bubbles, e.isTrusted]`, `["message",null,"","",null,[],false,false]`},
		{`const {port1} = new MessageChannel(); const e = new MessageEvent('m', {data: {x: 1}, origin: 'https://o', lastEventId: 7, source: port1, ports: [port1], bubbles: true}); [e.data.x, e.origin, e.lastEventId, e.source === port1, e.ports.length, e.ports[0] === port1, Object.isFrozen(e.ports), e.ports === e.ports, e.bubbles]`, `[1,"https://o","7",true,1,true,true,true,true]`},
		{`try { new MessageEvent('m', {ports: [{}]}); } catch (e) { e instanceof TypeError }`, `true`},
		{`try { new MessageEvent('m', {source: {}}); } catch (e) { e instanceof TypeError }`, `true`},
		{`try { new MessageEvent(); } catch (e) { e instanceof TypeError }`, `true`},
		{`const e = new MessageEvent('a'); e.initMessageEvent('b', true, false, 5, 'o', 'id', null, []); [e.type, e.bubbles, e.data, e.origin, e.lastEventId]`, `["b",true,5,"o","id"]`},
		{`[new MessageEvent('m') instanceof Event, Object.prototype.toString.call(new MessageEvent('m'))]`, `[true,"[object MessageEvent]"]`},
		{`try { Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data').get.call(new Event('x')); } catch (e) { e.message }`, `"Illegal invocation"`},
		{`try { new MessagePort(); } catch (e) { [e instanceof TypeError, e.message] }`, `[true,"Illegal constructor"]`},
		{`const c = new MessageChannel(); [c.port1 instanceof MessagePort, c.port1 instanceof EventTarget, c.port1 === c.port1, c.port1 !== c.port2, 'onmessage' in c.port1, c.port1.onmessage]`, `[true,true,true,true,true,null]`},
		{`Object.keys(MessagePort.prototype).sort()`, `["close","onclose","onmessage","onmessageerror","postMessage","start"]`},
	})
}

func TestMessageChannelSameRealm(t *testing.T) {
	r, c := newPlatformRealm(t, web.PlatformEnv{})
	plRun(t, r, `
		const out = [];
		const {port1, port2} = new MessageChannel();
		port2.addEventListener('message', (e) => {
			out.push(e.data.n + ':' + e.isTrusted + ':' + (e.target === port2) + ':' + e.origin + ':' + e.source + ':' + e.ports.length);
			if (e.data.n === 3) console.log('done ' + out.join(' '));
		});
		port1.postMessage({n: 1});
		port1.postMessage({n: 2}, []);
		// The queue is disabled until start(): nothing arrives yet.
		setTimeout(() => { out.push('start'); port2.start(); port1.postMessage({n: 3}, {transfer: []}); }, 20);
	`)
	got := plWaitLog(t, c, "done")
	if got != "done start 1:true:true::null:0 2:true:true::null:0 3:true:true::null:0" {
		t.Errorf("got %q", got)
	}
	plRun(t, r, `
		const ch = new MessageChannel();
		const order = [];
		ch.port2.onmessage = (e) => { order.push(e.data); if (e.data === 'b') Promise.resolve().then(() => order.push('micro')); if (e.data === 'c') console.log('order ' + order.join(',')); };
		ch.port1.postMessage('a'); ch.port1.postMessage('b'); ch.port1.postMessage('c');
	`)
	// Each message is its own task: the microtask runs between b and c.
	if got := plWaitLog(t, c, "order"); got != "order a,b,micro,c" {
		t.Errorf("got %q", got)
	}
}

func TestMessagePortTransferAndClose(t *testing.T) {
	r, c := newPlatformRealm(t, web.PlatformEnv{})
	plRun(t, r, `
		const a = new MessageChannel(), b = new MessageChannel();
		b.port2.onmessage = (e) => console.log('via transferred port ' + e.data);
		a.port2.onmessage = (e) => {
			const [p] = e.ports;
			console.log('got ports ' + e.ports.length + ' ' + (p instanceof MessagePort) + ' ' + Object.isFrozen(e.ports) + ' ' + e.data.label + ' ' + (e.data.port === p));
			p.postMessage('hello');
		};
		a.port1.postMessage({label: 'x', port: b.port1}, [b.port1]);
		// The original object is detached: posting through it does nothing.
		b.port1.postMessage('lost');
		try { a.port1.postMessage(1, [a.port1]); } catch (e) { console.log('self ' + e.name); }
		try { a.port1.postMessage(1, [b.port1]); } catch (e) { console.log('detached ' + e.name); }
	`)
	plWaitLog(t, c, "self DataCloneError")
	plWaitLog(t, c, "detached DataCloneError")
	if got := plWaitLog(t, c, "got ports"); got != "got ports 1 true true x true" {
		t.Errorf("got %q", got)
	}
	plWaitLog(t, c, "via transferred port hello")
	c.mu.Lock()
	for _, l := range c.logs {
		if strings.Contains(l, "lost") {
			t.Errorf("message through a detached port arrived: %q", l)
		}
	}
	c.mu.Unlock()

	plRun(t, r, `
		const ch = new MessageChannel();
		ch.port2.onclose = (e) => console.log('closed ' + e.type + ' ' + e.isTrusted);
		ch.port2.onmessage = (e) => console.log('before close ' + e.data);
		ch.port1.postMessage('last');
		ch.port1.close();
		ch.port1.postMessage('after close');
		ch.port1.close();
	`)
	plWaitLog(t, c, "before close last")
	plWaitLog(t, c, "closed close true")

	plRun(t, r, `
		const d = new MessageChannel();
		d.port2.onmessage = () => console.log('doomed message arrived');
		d.port2.onclose = () => console.log('doomed closed');
		d.port1.postMessage('x', [d.port2]);
		d.port1.onclose = () => console.log('doomed sender closed');
	`)
	plWaitLog(t, c, "doomed sender closed")
}

func TestMessagePortAcrossRealms(t *testing.T) {
	a, ca := newPlatformRealm(t, web.PlatformEnv{})
	b, cb := newPlatformRealm(t, web.PlatformEnv{})
	// Realm A makes a channel and hands port2 to realm B, as a service
	// worker's postMessage would: serialize with transfer in A, deserialize
	// in B.
	var msg *web.Cloned
	err := a.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := a.Run(&js.Script{Name: "a.js", Source: `
			globalThis.ch = new MessageChannel();
			ch.port1.onmessage = (e) => console.log('A got ' + e.data.reply + ' ' + (e.data.buf instanceof ArrayBuffer) + ' ' + e.data.buf.byteLength);
			ch.port1.postMessage({hello: 'queued before transfer'});
			({port: ch.port2})`})
		if err != nil {
			return err
		}
		port := v.(*sobek.Object).Get("port")
		msg, err = web.Serialize(a, v, []sobek.Value{port})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ports := msg.Ports(); len(ports) != 1 || !ports[0].Entangled() {
		t.Fatalf("Ports() = %v", ports)
	}
	err = b.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, transferred, err := web.DeserializeWithTransfer(b, msg)
		if err != nil {
			return err
		}
		ports := web.MessagePortsIn(b, transferred)
		if len(ports) != 1 {
			t.Errorf("ports %v", ports)
		}
		_ = rt.Set("msg", v)
		_, err = b.Run(&js.Script{Name: "b.js", Source: `
			msg.port.onmessage = (e) => {
				console.log('B got ' + JSON.stringify(e.data));
				const buf = new ArrayBuffer(16);
				msg.port.postMessage({reply: 'pong', buf}, [buf]);
				console.log('B buf after transfer ' + buf.byteLength);
			};`})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	plWaitLog(t, cb, `B got {"hello":"queued before transfer"}`)
	plWaitLog(t, cb, "B buf after transfer 0")
	plWaitLog(t, ca, "A got pong true 16")

	// A pending port with a listener does not keep B alive.
	select {
	case <-b.Idle():
	case <-time.After(2 * time.Second):
		t.Fatal("realm with a listening port never went idle")
	}

	// Closing realm B disentangles its port: A's port gets close.
	plRun(t, a, `ch.port1.onclose = () => console.log('A saw close');`)
	b.Close()
	plWaitLog(t, ca, "A saw close")
	plRun(t, a, `ch.port1.postMessage('to nowhere');`)
}

func TestPortGoAPI(t *testing.T) {
	r, c := newPlatformRealm(t, web.PlatformEnv{})
	goEnd, jsEnd := web.NewPortPair()
	got := make(chan any, 4)
	goEnd.OnMessage(func(m *web.Cloned) {
		v, err := web.ToGo(m)
		if err != nil {
			got <- err
			return
		}
		got <- v
	})
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		ports, err := web.PortsToJS(r, []*web.Port{jsEnd})
		if err != nil {
			return err
		}
		if web.PortOf(r, ports[0]) != jsEnd {
			t.Error("PortOf")
		}
		if _, err := web.PortsToJS(r, []*web.Port{jsEnd}); err == nil {
			t.Error("binding an owned port twice succeeded")
		}
		ev, err := web.NewMessageEvent(r, "connect", web.MessageEventInit{Data: rt.ToValue("hi"), Origin: "https://o.example", LastEventID: "1", Ports: ports, Source: ports[0]})
		if err != nil {
			return err
		}
		_ = rt.Set("ev", ev)
		_, err = rt.RunString(`
			globalThis.target = new EventTarget();
			target.addEventListener('connect', (e) => {
				console.log('event ' + [e.type, e.data, e.origin, e.lastEventId, e.ports.length, e.source === e.ports[0], e.isTrusted].join(','));
				const p = e.ports[0];
				p.onmessage = (m) => p.postMessage({echo: m.data});
			});`)
		if err != nil {
			return err
		}
		ok, err := web.DispatchTrusted(r, rt.Get("target"), ev)
		if !ok || err != nil {
			t.Errorf("DispatchTrusted = %v, %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := plWaitLog(t, c, "event"); l != "event connect,hi,https://o.example,1,1,true,true" {
		t.Errorf("got %q", l)
	}
	if !goEnd.PostMessage(web.MustCloneFromGo(map[string]any{"n": 1})) {
		t.Fatal("PostMessage failed")
	}
	select {
	case v := <-got:
		if m, ok := v.(map[string]any); !ok || m["echo"].(map[string]any)["n"] != 1.0 {
			t.Errorf("echo %#v", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no echo")
	}
	plRun(t, r, `target.addEventListener('x', () => {}); 1`)
	goEnd.Close()
	if goEnd.PostMessage(web.MustCloneFromGo(1)) {
		t.Error("PostMessage on a closed port succeeded")
	}
	if jsEnd.Entangled() {
		t.Error("still entangled after Close")
	}
}

func TestMessageError(t *testing.T) {
	web.RegisterHostType(web.HostType{
		Interface: "Unreceivable",
		Serialize: func(*js.Realm, *sobek.Object) (any, error) { return nil, nil },
		Deserialize: func(*js.Realm, any) (sobek.Value, error) {
			return nil, errors.New("cannot deserialize here")
		},
	})
	r, c := newPlatformRealm(t, web.PlatformEnv{})
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		expose, _ := sobek.AssertFunction(r.Internal("expose"))
		v, _ := rt.RunString(`class Unreceivable {}; Unreceivable`)
		_, err := expose(sobek.Undefined(), v)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	plRun(t, r, `
		const ch = new MessageChannel();
		ch.port2.onmessage = () => console.log('message?!');
		ch.port2.onmessageerror = (e) => console.log('messageerror ' + e.constructor.name + ' ' + e.data);
		ch.port1.postMessage(new Unreceivable());
	`)
	plWaitLog(t, c, "messageerror MessageEvent null")
}

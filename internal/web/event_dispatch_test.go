package web_test

import "testing"

// TestEventDispatchOrder checks DOM dispatch details on a single target:
// each invoke ("capturing", then "bubbling") clones the listener list when
// it starts, and stop propagation ends the dispatch before the next invoke.
func TestEventDispatchOrder(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"StopPropagationBeforeDispatch", `
			const t = new EventTarget(); const e = new Event('x');
			t.addEventListener('x', () => out.push('called'));
			e.stopPropagation();
			out.push(t.dispatchEvent(e), e.cancelBubble);
			t.dispatchEvent(e); // the flag is unset after a dispatch
		`, "true|false|called"},
		{"StopImmediateBeforeDispatch", `
			const t = new EventTarget(); const e = new Event('x');
			t.addEventListener('x', () => out.push('called'), true);
			t.addEventListener('x', () => out.push('called too'));
			e.stopImmediatePropagation();
			t.dispatchEvent(e);
		`, ""},
		{"ListenerAddedDuringDispatchNotCalled", `
			const t = new EventTarget();
			t.addEventListener('x', () => { out.push('a'); t.addEventListener('x', () => out.push('b')); });
			t.dispatchEvent(new Event('x'));
			out.push('|');
			t.dispatchEvent(new Event('x'));
		`, "a|||a|b"},
		{"RemovedDuringDispatchNotCalled", `
			const t = new EventTarget(); const b = () => out.push('b');
			t.addEventListener('x', () => { out.push('a'); t.removeEventListener('x', b); });
			t.addEventListener('x', b);
			t.dispatchEvent(new Event('x'));
		`, "a"},
		{"CaptureFirstAtTarget", `
			const t = new EventTarget();
			t.addEventListener('x', (e) => out.push('bubble:' + e.eventPhase));
			t.addEventListener('x', (e) => out.push('capture:' + e.eventPhase), { capture: true });
			t.dispatchEvent(new Event('x'));
		`, "capture:2|bubble:2"},
		{"StopPropagationInCaptureSkipsBubbling", `
			const t = new EventTarget();
			t.addEventListener('x', () => out.push('bubble'));
			t.addEventListener('x', (e) => { out.push('capture'); e.stopPropagation(); }, true);
			t.addEventListener('x', () => out.push('capture 2'), true);
			t.dispatchEvent(new Event('x'));
		`, "capture|capture 2"},
		{"BubblingListenerAddedDuringCaptureIsCalled", `
			const t = new EventTarget();
			t.addEventListener('x', () => { out.push('capture'); t.addEventListener('x', () => out.push('bubble')); }, true);
			t.dispatchEvent(new Event('x'));
		`, "capture|bubble"},
		{"OnceAndPassive", `
			const t = new EventTarget();
			t.addEventListener('x', (e) => { e.preventDefault(); out.push('once:' + e.defaultPrevented); }, { once: true, passive: true });
			t.addEventListener('x', (e) => { e.preventDefault(); out.push('second:' + e.defaultPrevented); });
			out.push(t.dispatchEvent(new Event('x', { cancelable: true })));
			out.push(t.dispatchEvent(new Event('x', { cancelable: true })));
		`, "once:false|second:true|false|second:true|false"},
		{"StateDuringAndAfter", `
			const t = new EventTarget(); const e = new Event('x');
			t.addEventListener('x', function (ev) { out.push(this === t, ev.currentTarget === t, ev.target === t, ev.eventPhase, ev.composedPath().length, ev.isTrusted); });
			t.dispatchEvent(e);
			out.push(e.currentTarget, e.target === t, e.eventPhase, e.composedPath().length);
		`, "true|true|true|2|1|false||true|0|0"},
		{"HandleEventAndExceptions", `
			const t = new EventTarget();
			t.addEventListener('x', { handleEvent(e) { out.push('object:' + (this !== t)); throw new Error('boom'); } });
			t.addEventListener('x', { handleEvent: 5 });
			t.addEventListener('x', (e) => { out.push('after'); e.stopImmediatePropagation(); });
			t.addEventListener('x', () => out.push('never'));
			t.dispatchEvent(new Event('x'));
		`, "object:true|after"},
		{"RedispatchWhileDispatching", `
			const t = new EventTarget(); const e = new Event('x');
			t.addEventListener('x', () => { try { t.dispatchEvent(e); } catch (err) { out.push(err.name); } });
			t.dispatchEvent(e);
		`, "InvalidStateError"},
		{"CustomEventDetail", `
			out.push(new CustomEvent('c').detail, new CustomEvent('c', { detail: 0 }).detail);
			const c = new CustomEvent('c'); c.initCustomEvent('d', false, false, 'x'); out.push(c.type, c.detail);
			try { Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail').get.call({}); } catch (err) { out.push(err.name); }
			out.push(Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail').get.call(new Event('e')));
		`, "|0|d|x|TypeError|"},
		{"ObjectPrototypeMembersIgnored", `
			Object.prototype.value = 1; Object.prototype.set = () => {};
			try { const e = new Event('x'); out.push(e.type, e.isTrusted); } finally { delete Object.prototype.value; delete Object.prototype.set; }
		`, "x|false"},
		{"Interfaces", `
			out.push(Event.length, EventTarget.prototype.dispatchEvent.length, new Event(undefined).type);
			try { new Event(); } catch (err) { out.push(err.name); }
			try { new EventTarget().dispatchEvent(); } catch (err) { out.push(err.name); }
			try { new EventTarget().dispatchEvent({}); } catch (err) { out.push(err.name); }
		`, "1|1|undefined|TypeError|TypeError|TypeError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, cp := newRealm(t)
			run(t, r, `const out = [];`+c.src+`; console.log(out.join('|'));`)
			if len(cp.logs) != 1 || cp.logs[0] != "log: "+c.want {
				t.Errorf("got %q, want %q", cp.logs, c.want)
			}
			// Listener exceptions are reported (HandleEventAndExceptions: the
			// Error thrown and the uncallable handleEvent), nothing else.
			want := 0
			if c.name == "HandleEventAndExceptions" {
				want = 2
			}
			if len(cp.errs) != want {
				t.Errorf("%d errors reported, want %d: %v", len(cp.errs), want, cp.errs)
			}
		})
	}
}

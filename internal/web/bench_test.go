package web_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

// plCPUTime is the CPU time used by the process so far (user + system): on
// a loaded machine cpu-ns/op is steadier than ns/op.
func plCPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func plBenchInstall(b *testing.B, platform bool, env web.PlatformEnv) {
	b.ReportAllocs()
	env.Location = plLocation
	cpu := plCPUTime()
	defer func() { b.ReportMetric(float64(plCPUTime()-cpu)/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		r := js.NewRealm(js.Options{Name: "bench"})
		err := r.Do(context.Background(), func(*sobek.Runtime) error {
			if err := web.InstallBase(r, nil); err != nil {
				return err
			}
			if platform {
				return web.InstallPlatform(r, env)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkInstallBase is the baseline: a fresh realm with base.js only.
func BenchmarkInstallBase(b *testing.B) { plBenchInstall(b, false, web.PlatformEnv{}) }

// BenchmarkInstallPlatform is a fresh realm with InstallBase and
// InstallPlatform (interfaces made on first use).
func BenchmarkInstallPlatform(b *testing.B) { plBenchInstall(b, true, web.PlatformEnv{}) }

// BenchmarkInstallPlatformEager makes every interface object at install.
func BenchmarkInstallPlatformEager(b *testing.B) {
	plBenchInstall(b, true, web.PlatformEnv{Eager: true})
}

// benchObject is a nested object of about 2 KB as JSON.
const benchObject = `({
	id: 'a1b2c3d4', title: 'Offline-first news reader ships content index support', published: new Date(1700000000000),
	author: { name: 'Ada Lovelace', email: 'ada@example.com', roles: ['editor', 'admin'], verified: true },
	tags: ['pwa', 'service-worker', 'offline', 'content-index', 'cache'],
	stats: { views: 123456, likes: 789, ratio: 0.7342, histogram: [1, 5, 9, 14, 20, 18, 11, 6, 2, 1] },
	items: Array.from({ length: 10 }, (_, i) => ({
		id: i, name: 'item-' + i, price: i * 3.25, inStock: i % 2 === 0,
		dims: { w: i + 1, h: i + 2, d: i + 3 }, labels: ['x' + i, 'y' + i],
	})),
	body: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(9),
})`

func plBenchRealm(b *testing.B) *js.Realm {
	b.Helper()
	r := js.NewRealm(js.Options{Name: "bench", CPUBudget: time.Minute})
	b.Cleanup(r.Close)
	err := r.Do(context.Background(), func(*sobek.Runtime) error {
		if err := web.InstallBase(r, nil); err != nil {
			return err
		}
		return web.InstallPlatform(r, web.PlatformEnv{Location: plLocation})
	})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkJSONRoundTrip is the yardstick for BenchmarkStructuredClone:
// JSON.parse(JSON.stringify(o)) of the same object in the engine.
func BenchmarkJSONRoundTrip(b *testing.B) {
	r := plBenchRealm(b)
	var fn sobek.Callable
	var v sobek.Value
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		var err error
		if v, err = rt.RunString(benchObject); err != nil {
			return err
		}
		f, err := rt.RunString(`(o) => JSON.parse(JSON.stringify(o))`)
		fn, _ = sobek.AssertFunction(f)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := plCPUTime()
	defer func() { b.ReportMetric(float64(plCPUTime()-cpu)/float64(b.N), "cpu-ns/op") }()
	for done := 0; done < b.N; {
		_ = r.Do(context.Background(), func(*sobek.Runtime) error {
			for i := 0; i < 200 && done < b.N; i++ {
				if _, err := fn(sobek.Undefined(), v); err != nil {
					return err
				}
				done++
			}
			return nil
		})
	}
}

// BenchmarkStructuredClone serializes and deserializes a ~2 KB nested
// object (Serialize + Deserialize, as a postMessage does).
func BenchmarkStructuredClone(b *testing.B) {
	r := plBenchRealm(b)
	var v sobek.Value
	var jsonBytes int64
	err := r.Do(context.Background(), func(rt *sobek.Runtime) error {
		var err error
		v, err = rt.RunString(benchObject)
		if err != nil {
			return err
		}
		n, _ := rt.RunString(`(o) => JSON.stringify(o).length`)
		fn, _ := sobek.AssertFunction(n)
		size, _ := fn(sobek.Undefined(), v)
		jsonBytes = size.ToInteger()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := plCPUTime()
	defer func() { b.ReportMetric(float64(plCPUTime()-cpu)/float64(b.N), "cpu-ns/op") }()
	for done := 0; done < b.N; {
		err := r.Do(context.Background(), func(*sobek.Runtime) error {
			for i := 0; i < 200 && done < b.N; i++ {
				c, err := web.Serialize(r, v, nil)
				if err != nil {
					return err
				}
				if _, err := web.Deserialize(r, c); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(jsonBytes), "json-bytes")
}

// BenchmarkMessagePortRoundTrip posts a small message from realm A to realm
// B through a MessageChannel and back; one op is one round trip (two
// serializations, two deserializations, four loop tasks).
func BenchmarkMessagePortRoundTrip(b *testing.B) {
	a, bb := plBenchRealm(b), plBenchRealm(b)
	back := make(chan struct{}, 1)
	var msg *web.Cloned
	err := a.Do(context.Background(), func(rt *sobek.Runtime) error {
		_ = rt.Set("signal", func() { back <- struct{}{} })
		v, err := rt.RunString(`
			globalThis.ch = new MessageChannel();
			ch.port1.onmessage = () => signal();
			ch.port2`)
		if err != nil {
			return err
		}
		msg, err = web.Serialize(a, v, []sobek.Value{v})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	err = bb.Do(context.Background(), func(rt *sobek.Runtime) error {
		p, err := web.Deserialize(bb, msg)
		if err != nil {
			return err
		}
		_ = rt.Set("port", p)
		_, err = rt.RunString(`port.onmessage = (e) => port.postMessage(e.data);`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var ping sobek.Callable
	_ = a.Do(context.Background(), func(rt *sobek.Runtime) error {
		v, err := rt.RunString(`(seq) => ch.port1.postMessage({seq, kind: 'ping', payload: [1, 2, 3]})`)
		ping, _ = sobek.AssertFunction(v)
		return err
	})
	b.ReportAllocs()
	b.ResetTimer()
	cpu := plCPUTime()
	defer func() { b.ReportMetric(float64(plCPUTime()-cpu)/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		a.Enqueue(func() { _, _ = ping(sobek.Undefined(), a.Runtime().ToValue(i)) })
		<-back
	}
}

// BenchmarkInstallPlatformOnly times InstallPlatform alone, in a fresh realm
// that already has InstallBase (the timer is stopped for the rest).
func BenchmarkInstallPlatformOnly(b *testing.B) {
	b.ReportAllocs()
	env := web.PlatformEnv{Location: plLocation}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := js.NewRealm(js.Options{Name: "bench"})
		err := r.Do(context.Background(), func(*sobek.Runtime) error {
			if err := web.InstallBase(r, nil); err != nil {
				return err
			}
			b.StartTimer()
			start := time.Now()
			err := web.InstallPlatform(r, env)
			total += time.Since(start)
			b.StopTimer()
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "install-ns/op")
}

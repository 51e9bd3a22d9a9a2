package web_test

import (
	"context"
	"testing"

	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
	"github.com/swhost/swhost/internal/web"
)

func plBenchInstall(b *testing.B, platform bool, env web.PlatformEnv) {
	b.ReportAllocs()
	env.Location = plLocation
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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCommand runs a short nivaran bench (with a short sustained
// phase), with the server in this process and as a child process (the
// built binary), and checks that the JSON holds every figure, each sane:
// positive rates, ordered percentiles, no failed request, every change
// delivered to every wall, memory sampled. Nothing about speed is asserted.
func TestBenchCommand(t *testing.T) {
	t.Run("self", func(t *testing.T) { testBenchCommand(t, "self", "--server", "self") })
	t.Run("child", func(t *testing.T) { testBenchCommand(t, "child", "--server-bin", nivaranBinary(t)) })
}

func testBenchCommand(t *testing.T, mode string, extra ...string) {
	path := filepath.Join(t.TempDir(), "bench.json")
	var out, progress bytes.Buffer
	err := benchMain(context.Background(), append([]string{"--quick", "--duration", "300ms", "--concurrency", "1,8", "--walls", "5",
		"--fanout-rate", "50", "--sustain", "1s", "--window", "500ms", "--rate", "50", "--sustain-walls", "3", "--read-rate", "20",
		"--json", path}, extra...), &out, &progress)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, want := range []string{"ceilings", "bare net/http", "raw SQLite insert", "POST /api/v1/complaints", "tracking page", "fan-out", "memory", "sustained"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(progress.String(), "[###") || !strings.Contains(progress.String(), "100%") {
		t.Errorf("no progress bar on the progress stream: %.300q", progress.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r benchReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Server != mode {
		t.Errorf("server %q, want %q", r.Server, mode)
	}
	sane := func(name string, f benchFigure, ratios bool) {
		t.Helper()
		if f.N <= 0 || f.PerSecond <= 0 || f.Failures != 0 {
			t.Errorf("%s: n %d, %.1f/s, %d failed (%s); want some, positive, none failed", name, f.N, f.PerSecond, f.Failures, f.FirstErr)
		}
		if f.P50ms <= 0 || f.P50ms > f.P95ms || f.P95ms > f.P99ms {
			t.Errorf("%s: percentiles p50 %v p95 %v p99 %v, want positive and ordered", name, f.P50ms, f.P95ms, f.P99ms)
		}
		if ratios && (f.VsRaw <= 0 || f.VsBare <= 0) {
			t.Errorf("%s: ratios ×raw %v ×bare %v, want both measured", name, f.VsRaw, f.VsBare)
		}
	}
	sane("bare HTTP", r.BareHTTP, false)
	sane("raw insert", r.RawInsert, false)
	if len(r.Intake) != 2 || r.Intake[0].Clients != 1 || r.Intake[1].Clients != 8 {
		t.Fatalf("intake rows %+v, want one per concurrency 1, 8", r.Intake)
	}
	for _, f := range r.Intake {
		sane(f.Name, f, true)
	}
	sane("tracking", r.Tracking, false)
	fo := r.Fanout
	if fo.Walls != 5 || fo.Complaints <= 0 || fo.Deliveries != fo.Expected || fo.Expected != int64(fo.Complaints*5) || fo.Connected != 5 {
		t.Errorf("fan-out %+v: want 5 walls, every complaint delivered to every wall, all connected", fo)
	}
	if fo.P99ms < fo.P50ms || fo.MaxMs < fo.P99ms {
		t.Errorf("fan-out lags p50 %v p99 %v max %v, want ordered", fo.P50ms, fo.P99ms, fo.MaxMs)
	}
	if len(r.Memory) < 2 || r.PeakRSS <= 0 || r.PeakHeap <= 0 {
		t.Errorf("memory: %d samples, peak RSS %d, heap %d; want samples and positive peaks", len(r.Memory), r.PeakRSS, r.PeakHeap)
	}
	s := r.Sustain
	if s == nil {
		t.Fatal("no sustained phase in the JSON")
	}
	sane("sustained intake", s.Intake, false)
	sane("sustained reads", s.Reads, false)
	if len(s.Windows) < 2 || s.Fanout.Deliveries != s.Fanout.Expected || s.Fanout.Complaints != s.Intake.N {
		t.Errorf("sustain: %d windows, %d of %d deliveries, %d complaints of %d requests; want ≥2 windows and all delivered",
			len(s.Windows), s.Fanout.Deliveries, s.Fanout.Expected, s.Fanout.Complaints, s.Intake.N)
	}
	for _, w := range s.Windows {
		if w.RSSBytes <= 0 || w.LiveHeapBytes == 0 || w.HeapGoalBytes < w.LiveHeapBytes || w.Intake.N == 0 {
			t.Errorf("window %+v: want memory and requests", w)
		}
		if mode == "child" && (w.LoadRSSBytes <= 0 || w.Goroutines != 0) {
			t.Errorf("window %+v: want the load generator's RSS beside the server's, and no goroutine count from another process", w)
		}
	}
}

package store_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"nivaran/internal/bench"
	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/masters"
	"nivaran/internal/notify"
	"nivaran/internal/store"
)

// BenchmarkFileSMS files b.N complaints from 64 goroutines straight into the
// store (group commit, synchronous=FULL) without SMS and with the real
// planner's two Hindi or English messages in the outbox (no dispatcher), and
// reports the rate, the process CPU time and the single writer's busy time
// per complaint: the outbox's
// share of the writer without the HTTP layer around it. Run with -count to
// interleave the two:
//
//	go test ./internal/store -run '^$' -bench '^BenchmarkFileSMS$' -benchtime 20000x -cpu 2 -count 5
func BenchmarkFileSMS(b *testing.B) {
	tc, err := notify.NewCatalogue(notify.DefaultTemplates(), "1000000000000000000", "NIVRAN")
	if err != nil {
		b.Fatal(err)
	}
	planner, err := notify.NewPlanner(tc, notify.PlannerOptions{TrackURL: "nivaran.example/t"})
	if err != nil {
		b.Fatal(err)
	}
	def, err := masters.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		msgr grievance.Messenger
	}{{"off", nil}, {"outbox", planner}} {
		b.Run(tt.name, func(b *testing.B) {
			ctx := context.Background()
			dir := b.TempDir()
			blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
			if err != nil {
				b.Fatal(err)
			}
			st, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "nivaran.db"), Blobs: blobs, Messenger: tt.msgr})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if err := st.ReplaceMasters(ctx, def); err != nil {
				b.Fatal(err)
			}
			in := make([]grievance.NewComplaint, 1024)
			for i := range in {
				in[i] = bench.RandomComplaint(rand.New(rand.NewPCG(uint64(i), 42))).New()
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			var once sync.Once
			var ferr error
			b.ResetTimer()
			start, c0, w0 := time.Now(), bench.ProcessCPU(), st.WriterBusy()
			for range 64 {
				wg.Go(func() {
					for {
						i := int(next.Add(1) - 1)
						if i >= b.N {
							return
						}
						if _, err := st.File(ctx, in[i%len(in)]); err != nil {
							once.Do(func() { ferr = err })
							return
						}
					}
				})
			}
			wg.Wait()
			el, cpu, wb := time.Since(start), bench.ProcessCPU()-c0, st.WriterBusy()-w0
			b.StopTimer()
			if ferr != nil {
				b.Fatal(ferr)
			}
			b.ReportMetric(float64(b.N)/el.Seconds(), "complaints/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu_us/complaint")
			b.ReportMetric(float64(wb.Microseconds())/float64(b.N), "writer_us/complaint")
		})
	}
}

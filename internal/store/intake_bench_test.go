package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
	"nivaran/internal/store/storetest"
)

// BenchmarkFilePostgres files complaints from 64 goroutines through the
// store on PostgreSQL, with two outbox messages and a live event each, as
// BenchmarkFile does on SQLite: what the database side of intake costs,
// without the HTTP server (BenchmarkIntakePostgres in cmd/nivaran).
//
//	NIVARAN_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres \
//	  go test ./internal/store -run '^$' -bench '^BenchmarkFilePostgres$' -benchtime 4000x -cpu 2
func BenchmarkFilePostgres(b *testing.B) {
	ctx := context.Background()
	blobs, err := blob.NewDir(filepath.Join(b.TempDir(), "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(ctx, Options{DatabaseURL: pgtest.MustDatabase(b), Now: time.Now, Blobs: blobs,
		Messenger: storetest.Messenger{}, Publish: func(grievance.Change) {}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	mustFixture(b, s)
	in := sample()
	in.Photos = nil
	b.SetParallelism(32) // 32 × GOMAXPROCS clients; 64 on two cores
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.File(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "complaints/s")
	b.ReportMetric(float64(s.Retries()), "retries")
}

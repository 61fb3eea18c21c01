package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// BenchmarkDeleteArea1M times deleting an unused area beside a million
// complaints: the check that no complaint names the area reads every
// complaint's area (there is no index on the area alone: one more index
// would slow intake for a rare administrative act), inside the writer's
// transaction, so intake waits that long.
//
//	go test ./internal/store -run '^$' -bench DeleteArea1M -benchtime 3x -cpu 2
func BenchmarkDeleteArea1M(b *testing.B) {
	ctx := context.Background()
	s := MustOpen(b, b.TempDir(), func() time.Time { return benchNow })
	mustFixture(b, s)
	rows := buildSweepBench(b, s)
	admin := grievance.Actor{UserID: 1, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin}}
	// The database is built once: the timed part is a sub-benchmark, which
	// the framework runs again with a larger b.N.
	b.Run("delete", func(b *testing.B) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			code := fmt.Sprintf("w-bench-%d-%d", b.N, i)
			if err := s.AdminSaveArea(ctx, admin, grievance.Area{Code: code, Kind: grievance.AreaWard, Parent: "z1",
				Name: grievance.Text{Hi: "वार्ड", En: "Ward"}}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			t0 := time.Now()
			if err := s.AdminDeleteArea(ctx, admin, code); err != nil {
				b.Fatal(err)
			}
			total += time.Since(t0)
		}
		b.StopTimer()
		per := total / time.Duration(b.N)
		b.ReportMetric(float64(per.Microseconds())/1000, "ms/delete")
		b.Logf("deleting an unused area beside %d complaints: %.0f ms", rows, float64(per.Microseconds())/1000)
	})
}

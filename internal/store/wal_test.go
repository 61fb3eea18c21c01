package store

import (
	"context"
	"os"
	"testing"
	"time"

	"nivaran/internal/store/storetest"
)

// TestWALStaysBounded: under constant writing the WAL is restarted by the
// checkpointer instead of growing without end.
func TestWALStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes for a few seconds")
	}
	ctx := context.Background()
	clock := &storetest.Clock{}
	clock.Set(storetest.Start)
	dir := t.TempDir()
	s := MustOpen(t, dir, clock.Now)
	mustFixture(t, s)
	deadline := time.Now().Add(4 * time.Second)
	var largest int64
	for time.Now().Before(deadline) {
		for range 50 {
			if _, err := s.File(ctx, sample()); err != nil {
				t.Fatal(err)
			}
		}
		if fi, err := os.Stat(s.dsnBase + "-wal"); err == nil {
			largest = max(largest, fi.Size())
		}
	}
	// The writer's own checkpoint starts at 8,192 pages of 4 KiB (32 MB);
	// without a restart the WAL would reach hundreds of MB in these seconds.
	if limit := int64(64 << 20); largest > limit {
		t.Errorf("WAL grew to %d MB under constant writing", largest>>20)
	}
	t.Logf("largest WAL: %.1f MB", float64(largest)/(1<<20))
}

package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"nivaran/internal/grievance"
)

func MustNewDir(t *testing.T) *Dir {
	t.Helper()
	d, err := NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPutOpen(t *testing.T) {
	ctx := context.Background()
	d := MustNewDir(t)
	data := []byte("a photo of a pothole")
	key, err := d.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if want := hex.EncodeToString(sum[:]); key != want {
		t.Fatalf("key = %s, want %s", key, want)
	}
	if _, err := os.Stat(filepath.Join(d.root, key[:2], key[2:4], key)); err != nil {
		t.Fatalf("blob not at its fan-out path: %v", err)
	}
	f, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(data) {
		t.Fatalf("read %q, want %q", got, data)
	}
	if _, err := f.Seek(2, io.SeekStart); err != nil {
		t.Fatalf("seek: %v", err)
	}

	// Same content again: same key, no error, no temp files left behind.
	key2, err := d.Put(ctx, data)
	if err != nil || key2 != key {
		t.Fatalf("second Put = %s, %v; want %s, nil", key2, err, key)
	}
	entries, err := os.ReadDir(filepath.Join(d.root, key[:2], key[2:4]))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want 1 (no temp files)", len(entries))
	}
}

func TestPutEmpty(t *testing.T) {
	ctx := context.Background()
	d := MustNewDir(t)
	key, err := d.Put(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestOpenNotFound(t *testing.T) {
	ctx := context.Background()
	d := MustNewDir(t)
	// A file outside the store that a traversal would reach.
	if err := os.WriteFile(filepath.Join(filepath.Dir(d.root), "secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := strings.Repeat("ab", 32)
	tests := []struct{ name, key string }{
		{"missing", missing},
		{"empty", ""},
		{"uppercase", strings.ToUpper(missing)},
		{"short", missing[:63]},
		{"long", missing + "a"},
		{"traversal", "../secret"},
		{"traversal padded", "../../../secret" + strings.Repeat("0", 49)},
		{"slash", strings.Repeat("a", 31) + "/" + strings.Repeat("a", 32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := d.Open(ctx, tt.key)
			if err == nil {
				f.Close()
				t.Fatalf("Open(%q) succeeded, want not found", tt.key)
			}
			if got := grievance.ErrorCode(err); got != grievance.ENotFound {
				t.Fatalf("code = %q, want %q (%v)", got, grievance.ENotFound, err)
			}
			if e := grievance.AsError(err); e.Key != "error.not_found" {
				t.Fatalf("key = %q, want error.not_found", e.Key)
			}
		})
	}
}

func TestPutConcurrentSameContent(t *testing.T) {
	ctx := context.Background()
	d := MustNewDir(t)
	data := []byte(strings.Repeat("photo", 1000))
	var wg sync.WaitGroup
	keys := make([]string, 16)
	errs := make([]error, 16)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = d.Put(ctx, data)
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || keys[i] != keys[0] {
			t.Fatalf("Put %d = %s, %v; want %s, nil", i, keys[i], errs[i], keys[0])
		}
	}
	f, err := d.Open(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if string(got) != string(data) {
		t.Fatal("content differs after concurrent puts")
	}
}

func TestPutCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := MustNewDir(t)
	if _, err := d.Put(ctx, []byte("x")); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
}

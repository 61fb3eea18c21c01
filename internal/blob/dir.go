// Package blob keeps files (photos, recordings) for Nivaran.
//
// Dir is the first implementation of grievance.BlobStore: a directory,
// content-addressed by SHA-256. A blob is durable when Put returns: it is
// written to a temporary file, fsync'd, renamed into place and its directory
// fsync'd. Keys are 64 lowercase hex digits; anything else is refused as not
// found, so a key can never name a path outside the directory.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"nivaran/internal/grievance"
)

// Dir is a grievance.BlobStore on a directory. Blob with key k lives at
// dir/k[0:2]/k[2:4]/k. Several servers may share the directory (a shared
// volume): writes are atomic renames of identical content.
type Dir struct {
	root string
}

var _ grievance.BlobStore = (*Dir)(nil)

// NewDir returns a blob store on directory root, creating it if needed.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("blob: empty directory name")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", root, err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Dir{root: abs}, nil
}

// ValidKey reports whether key has the shape of a key of Dir: the lowercase
// hex SHA-256 of the content.
func ValidKey(key string) bool {
	if len(key) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (d *Dir) path(key string) string {
	return filepath.Join(d.root, key[0:2], key[2:4], key)
}

// Put stores data and returns its key, the hex SHA-256 of data. The blob is
// on stable storage when Put returns. Storing the same bytes again is a no-op.
func (d *Dir) Put(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	final := d.path(key)
	if fi, err := os.Stat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)) {
		// Already stored: a blob only ever reaches its final name complete
		// (by rename after fsync), and the name is its content's hash.
		return key, nil
	}
	if err := d.mkdirs(key); err != nil {
		return "", fmt.Errorf("blob: put: %w", err)
	}
	dir := filepath.Dir(final)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("blob: put: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return "", fmt.Errorf("blob: put: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("blob: put: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("blob: put: close: %w", err)
	}
	if err := os.Chmod(tmp, 0o640); err != nil {
		return "", fmt.Errorf("blob: put: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("blob: put: rename: %w", err)
	}
	ok = true
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("blob: put: %w", err)
	}
	return key, nil
}

// mkdirs creates the two fan-out directories of key, fsyncing the parent
// of each directory it creates so that the new entry is durable too.
func (d *Dir) mkdirs(key string) error {
	for _, p := range []string{filepath.Join(d.root, key[0:2]), filepath.Join(d.root, key[0:2], key[2:4])} {
		err := os.Mkdir(p, 0o750)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(p)); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Open returns the blob with key for reading. ENotFound when there is no
// such blob or key is not a valid key.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !ValidKey(key) {
		return nil, grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	return f, nil
}

// Delete removes the blob with key (recordings past their retention).
// A missing blob is not an error.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

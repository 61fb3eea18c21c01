package telephony

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"nivaran/internal/grievance"
)

// recorder writes a call's two sides, interleaved 16-bit stereo at 8 kHz
// (left: the caller, right: what the caller heard), to a temporary file in
// the recordings directory; finish turns it into a WAV in the blob store.
// The temporary files are named rec-*.raw; sweepRecordings removes those a
// crashed server left.
type recorder struct {
	f      *os.File
	w      *bufio.Writer
	frames int64
	buf    []byte
	err    error
}

func newRecorder(dir string) (*recorder, error) {
	f, err := os.CreateTemp(dir, "rec-*.raw")
	if err != nil {
		return nil, fmt.Errorf("telephony: recording: %w", err)
	}
	return &recorder{f: f, w: bufio.NewWriterSize(f, 32<<10), buf: make([]byte, 4*frameSamples)}, nil
}

// frame appends one 20 ms frame of each side. Called by the room's tick.
func (r *recorder) frame(left, right []int16) {
	if r.err != nil {
		return
	}
	for i := 0; i < frameSamples; i++ {
		binary.LittleEndian.PutUint16(r.buf[4*i:], uint16(left[i]))
		binary.LittleEndian.PutUint16(r.buf[4*i+2:], uint16(right[i]))
	}
	_, r.err = r.w.Write(r.buf)
	r.frames++
}

// finish stores the recording as a WAV in blobs and removes the temporary
// file. It returns the blob key, the SHA-256 of the WAV and its size.
func (r *recorder) finish(ctx context.Context, blobs grievance.BlobStore) (key, sum string, size int64, err error) {
	defer func() {
		r.f.Close()
		os.Remove(r.f.Name())
	}()
	if r.err != nil {
		return "", "", 0, fmt.Errorf("telephony: recording: %w", r.err)
	}
	if err := r.w.Flush(); err != nil {
		return "", "", 0, fmt.Errorf("telephony: recording: %w", err)
	}
	n := r.frames * 4 * frameSamples
	data := make([]byte, 44+n)
	writeWAVHeader(data, 2, int(n))
	if _, err := r.f.ReadAt(data[44:], 0); err != nil && err != io.EOF {
		return "", "", 0, fmt.Errorf("telephony: recording: %w", err)
	}
	h := sha256.Sum256(data)
	key, err = blobs.Put(ctx, data)
	if err != nil {
		return "", "", 0, fmt.Errorf("telephony: store recording: %w", err)
	}
	return key, hex.EncodeToString(h[:]), int64(len(data)), nil
}

// abort removes the temporary file without storing anything.
func (r *recorder) abort() {
	r.f.Close()
	os.Remove(r.f.Name())
}

// writeWAVHeader writes a 44-byte PCM WAV header for 8 kHz 16-bit audio.
func writeWAVHeader(b []byte, channels, dataLen int) {
	le := binary.LittleEndian
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(36+dataLen))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1)
	le.PutUint16(b[22:], uint16(channels))
	le.PutUint32(b[24:], 8000)
	le.PutUint32(b[28:], uint32(8000*2*channels))
	le.PutUint16(b[32:], uint16(2*channels))
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(dataLen))
}

// readWAV returns the samples of an 8 kHz 16-bit PCM WAV with channels
// channels (interleaved). diago does not resample, and neither do we: a
// prompt in another format is refused at start-up.
func readWAV(data []byte, channels int) ([]int16, error) {
	le := binary.LittleEndian
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return nil, fmt.Errorf("not a WAV file")
	}
	var fmtOK bool
	for p := 12; p+8 <= len(data); {
		id, n := string(data[p:p+4]), int(le.Uint32(data[p+4:]))
		body := data[p+8:]
		if n > len(body) {
			n = len(body)
		}
		switch id {
		case "fmt ":
			if n < 16 || le.Uint16(body[0:]) != 1 || int(le.Uint16(body[2:])) != channels ||
				le.Uint32(body[4:]) != 8000 || le.Uint16(body[14:]) != 16 {
				return nil, fmt.Errorf("want 8 kHz, %d channel(s), 16-bit PCM", channels)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, fmt.Errorf("data before fmt")
			}
			out := make([]int16, n/2)
			for i := range out {
				out[i] = int16(le.Uint16(body[2*i:]))
			}
			return out, nil
		}
		p += 8 + n + n%2
	}
	return nil, fmt.Errorf("no data chunk")
}

// sweepRecordings removes temporary recordings left by a crash.
func sweepRecordings(dir string) {
	m, _ := filepath.Glob(filepath.Join(dir, "rec-*.raw"))
	for _, f := range m {
		if strings.HasPrefix(filepath.Base(f), "rec-") {
			os.Remove(f)
		}
	}
}

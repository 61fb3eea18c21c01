package telephony

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// The built-in prompts are placeholders synthesised with espeak-ng (Hindi
// and English) and sox (hold music); a district replaces them with
// recorded voice by pointing NIVARAN_SIP_PROMPTS at a directory of WAVs
// with the same names (8 kHz, mono, 16-bit).
//
//go:embed prompts/*.wav
var builtinPrompts embed.FS

// promptNames are the prompts the server needs; greetings are checked per
// helpline.
var promptNames = []string{"queue_hi", "queue_en", "hold", "feedback_hi", "feedback_en", "thanks_hi", "thanks_en"}

// prompts are decoded PCM by name.
type prompts map[string][]int16

// loadPrompts reads every WAV of dir (a directory, or "" for the built-in
// ones), checking that each needed prompt is there and in the right format.
func loadPrompts(dir string, hs []Helpline) (prompts, error) {
	var fsys fs.FS
	root := "prompts"
	if dir != "" {
		fsys, root = os.DirFS(dir), "."
	} else {
		fsys = builtinPrompts
	}
	p := prompts{}
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("telephony: prompts %s (NIVARAN_SIP_PROMPTS): %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".wav") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(root, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("telephony: prompt %s: %w", e.Name(), err)
		}
		pcm, err := readWAV(b, 1)
		if err != nil {
			return nil, fmt.Errorf("telephony: prompt %s: %w", e.Name(), err)
		}
		p[strings.TrimSuffix(e.Name(), ".wav")] = pcm
	}
	need := append([]string(nil), promptNames...)
	for _, h := range hs {
		need = append(need, h.Greeting...)
	}
	for _, n := range need {
		if len(p[n]) == 0 {
			return nil, fmt.Errorf("telephony: prompt %s.wav missing or empty (NIVARAN_SIP_PROMPTS)", n)
		}
	}
	return p, nil
}

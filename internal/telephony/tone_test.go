package telephony

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
)

// goertzel returns the power of frequency f (Hz) in samples at 8 kHz,
// normalised so that a full-scale sine gives about 1. Tests use it to tell
// the parties' tones apart in what each one hears and in recordings.
func goertzel(samples []int16, f float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	w := 2 * math.Pi * f / 8000
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range samples {
		s0 := float64(x)/32768 + c*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	n := float64(len(samples))
	return 4 * p / (n * n)
}

// sine returns n samples of a sine of frequency f at amplitude amp
// (0..1), starting at sample offset off.
func sine(n, off int, f, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * 32767 * math.Sin(2*math.Pi*f*float64(i+off)/8000))
	}
	return out
}

func sqrt(x float64) float64 { return math.Sqrt(x) }

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// toneLevel is the power of frequency f in samples as a phone's user would
// hear it: the mean over 20 ms frames of a Hann-windowed Goertzel, scaled
// so that a steady tone of amplitude a (0..1) gives about a². Unlike one
// Goertzel over the whole window, it does not depend on the tone's phase
// running on unbroken from frame to frame: a frame the mixer had to skip
// on a loaded machine (silence, then the next frame) shifts the phase of a
// tone that is not a whole number of cycles per frame (440 Hz is 8.8), and
// a whole-window Goertzel then adds the frames out of phase and reads the
// tone as absent (TestHelplineEndToEnd failed so under load 17 with -race:
// 0.001 where a steady tone reads 0.09). Skipped frames lower this level
// only in proportion.
func toneLevel(samples []int16, f float64) float64 {
	const n = frameSamples
	if len(samples) < n {
		return 0
	}
	w := 2 * math.Pi * f / 8000
	c := 2 * math.Cos(w)
	var win [n]float64
	var sum float64
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		sum += win[i]
	}
	var total float64
	frames := len(samples) / n
	for k := 0; k < frames; k++ {
		var s1, s2 float64
		for i, x := range samples[k*n : (k+1)*n] {
			s0 := win[i]*float64(x)/32768 + c*s1 - s2
			s2, s1 = s1, s0
		}
		total += 4 * (s1*s1 + s2*s2 - c*s1*s2) / (sum * sum)
	}
	return total / float64(frames)
}

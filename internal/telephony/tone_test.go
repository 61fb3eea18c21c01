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

// Package retry computes the delay before retrying something that failed
// for a while (a gateway, a receiver): exponential backoff with jitter,
// shared by the SMS dispatcher and the webhook dispatcher.
package retry

import "time"

// Delay returns the delay before retry number attempt (1 after the first
// failure). Its bound is base·2^(attempt-1), capped at max; the delay is
// floor·bound plus a random share rnd ∈ [0, 1) of the rest. A floor of 0
// is "full jitter" (anywhere up to the bound: many messages that failed
// together come back spread over the whole interval); 0.5 is "equal
// jitter" (at least half the bound: a receiver that came back is not
// retried at once). rnd and floor are clamped to [0, 1).
func Delay(attempt int, base, max time.Duration, floor, rnd float64) time.Duration {
	bound := base
	for i := 1; i < attempt && bound < max; i++ {
		bound *= 2
	}
	if bound > max || bound <= 0 {
		bound = max
	}
	floor, rnd = clamp(floor), clamp(rnd)
	return time.Duration((floor + (1-floor)*rnd) * float64(bound))
}

func clamp(x float64) float64 {
	switch {
	case x < 0:
		return 0
	case x >= 1:
		return 0.999999
	}
	return x
}

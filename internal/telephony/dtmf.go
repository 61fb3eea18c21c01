package telephony

// RFC 4733 telephone-events. diago's reader drops an event whose first
// packet has duration 0 (sipp's sample captures do that), so the legs
// detect digits themselves from the packets' payload and RTP timestamp:
// one event is all the packets that share a timestamp.

const dtmfDigits = "0123456789*#ABCD"

// dtmfDetector turns telephone-event packets into digits, once per event.
type dtmfDetector struct {
	have bool
	last uint32 // RTP timestamp of the last event reported
}

// packet reports the digit of an RFC 4733 payload the first time its event
// (its RTP timestamp) is seen.
func (d *dtmfDetector) packet(payload []byte, ts uint32) (rune, bool) {
	if len(payload) < 4 || int(payload[0]) >= len(dtmfDigits) {
		return 0, false
	}
	if d.have && d.last == ts {
		return 0, false
	}
	d.have, d.last = true, ts
	return rune(dtmfDigits[payload[0]]), true
}

// dtmfPayload is an RFC 4733 payload for digit: event, end flag, volume
// 10, duration in samples.
func dtmfPayload(digit rune, end bool, duration uint16) []byte {
	ev := byte(0)
	for i := 0; i < len(dtmfDigits); i++ {
		if rune(dtmfDigits[i]) == digit {
			ev = byte(i)
		}
	}
	flags := byte(10)
	if end {
		flags |= 0x80
	}
	return []byte{ev, flags, byte(duration >> 8), byte(duration)}
}

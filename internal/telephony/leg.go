package telephony

import (
	"sync"
	"sync/atomic"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
)

// leg is one party's media: exactly one reader goroutine (decoding the
// party's RTP into a fifo and detecting keypad digits) and one writer, the
// room's tick. diago's Playback/Recording/Bridge are not used: a leg is
// owned by its room from answer to hang-up, so prompts, recording and
// mixing never have to hand the RTP stream from one consumer to the next.
type leg struct {
	med    *diago.DialogMedia
	codec  codec
	dtmfPT int // receive payload type of telephone-event; -1 when not negotiated
	w      *media.RTPPacketWriter

	mu     sync.Mutex
	in     *fifo
	digits chan rune

	done     chan struct{} // closed when the reader has exited
	received atomic.Int64  // audio packets received
	sent     atomic.Int64  // frames sent
	under    atomic.Int64  // ticks with no whole frame from this leg
	wbuf     []byte
	started  bool
}

// newLeg takes over med's RTP: it starts the reader at once, so no packet
// (and no digit) is lost while prompts play.
func newLeg(med *diago.DialogMedia) *leg {
	ms := med.MediaSession()
	ac := media.CodecAudioFromSession(ms)
	l := &leg{med: med, codec: codecFor(ac.PayloadType), dtmfPT: -1, w: med.RTPPacketWriter, in: newFIFO(),
		digits: make(chan rune, 32), done: make(chan struct{}), wbuf: make([]byte, 0, frameSamples)}
	for _, c := range ms.CommonCodecs() {
		if c.Matches(media.CodecTelephoneEvent8000) {
			l.dtmfPT = int(c.PayloadTypeRecv())
		}
	}
	// The room's tick paces the writes (WriteSamples); the writer's own
	// 20 ms clock would only cost a ticker per leg.
	l.w.ClockDisable()
	go l.read()
	return l
}

func (l *leg) read() {
	defer close(l.done)
	r := l.med.RTPPacketReader
	buf := make([]byte, media.RTPBufSize)
	pcm := make([]int16, 0, 480)
	var det dtmfDetector
	for {
		n, err := r.Read(buf)
		if err != nil {
			return
		}
		if n == 0 {
			continue
		}
		h := r.PacketHeader
		switch {
		case int(h.PayloadType) == l.dtmfPT:
			if d, ok := det.packet(buf[:n], h.Timestamp); ok {
				select {
				case l.digits <- d:
				default: // nobody is listening for keys; drop
				}
			}
		case h.PayloadType == l.codec.pt:
			pcm = l.codec.decode(pcm[:0], buf[:n])
			l.received.Add(1)
			l.mu.Lock()
			l.in.push(pcm)
			l.mu.Unlock()
		}
	}
}

// frame pops the next 20 ms into dst; false when none is whole yet.
func (l *leg) frame(dst []int16) bool {
	l.mu.Lock()
	ok := l.in.pop(dst)
	l.mu.Unlock()
	if !ok {
		l.under.Add(1)
	}
	return ok
}

// write sends one 20 ms frame.
func (l *leg) write(pcm []int16) {
	l.wbuf = l.codec.encode(l.wbuf[:0], pcm)
	_, err := l.w.WriteSamples(l.wbuf, frameSamples, !l.started, l.codec.pt)
	l.started = true
	if err == nil {
		l.sent.Add(1)
	}
}

// sendDigit sends an RFC 4733 event for d (a phone pressing a key): used
// by tests' phones and by nothing in the server.
func (l *leg) sendDigit(d rune) {
	if l.dtmfPT < 0 {
		return
	}
	pt := uint8(l.dtmfPT)
	for i := 1; i <= 5; i++ {
		end := i >= 4
		// All packets of one event share a timestamp: advance by 0 and
		// move on by a frame after the event.
		l.w.WriteSamples(dtmfPayload(d, end, uint16(i*frameSamples)), 0, i == 1, pt)
	}
	l.w.DelayTimestamp(5 * frameSamples)
}

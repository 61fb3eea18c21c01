package telephony

// The mixer: every leg of a call is decoded to 16-bit PCM, and every 20 ms
// each listener gets the sum of what it may hear (mix-minus: never its own
// voice), clipped, then encoded for its leg. diago's BridgeMix leaks a
// listener's own voice and knows no roles, hence this one.

// frameSamples is one 20 ms frame at 8 kHz.
const frameSamples = 160

// Role is a party's part in a call; it decides whom the party hears and
// who hears it.
type Role int

// The roles of a call's parties.
const (
	RoleCaller  Role = iota // the citizen
	RoleAgent               // the helpline agent
	RoleOfficer             // an officer brought in (conference)
	RoleListen              // a supervisor listening: nobody hears them
	RoleWhisper             // a supervisor whispering: only the agent hears them
	RoleBarge               // a supervisor barging in: everyone hears them
)

var roleNames = [...]string{"caller", "agent", "officer", "listen", "whisper", "barge"}

func (r Role) String() string { return roleNames[r] }

// Supervisor reports whether r is one of a supervisor's modes.
func (r Role) Supervisor() bool { return r == RoleListen || r == RoleWhisper || r == RoleBarge }

// hears reports whether a listener in role l hears a speaker in role s
// (two different parties). Supervisors hear everyone but each other;
// callers and officers hear the agent, each other and a barging
// supervisor; the agent also hears a whisper.
func hears(l, s Role) bool {
	switch {
	case l.Supervisor():
		return !s.Supervisor()
	case s == RoleListen:
		return false
	case s == RoleWhisper:
		return l == RoleAgent
	}
	return true
}

// party is one input and output of the mixer.
type party struct {
	role Role
	in   []int16 // this tick's frame from the party (nil: silence)
	out  []int16 // what the party hears this tick
	// source, when set, replaces what the party hears (a prompt or hold
	// music while the caller is not yet talking to anyone).
	source []int16
}

// mix fills every party's out with the sum of the frames of the parties it
// hears, or with its source, clipped to 16 bits.
func mix(ps []*party) {
	var acc [frameSamples]int32
	for i, l := range ps {
		if len(l.out) < frameSamples {
			l.out = make([]int16, frameSamples)
		}
		if l.source != nil {
			copy(l.out, l.source)
			continue
		}
		acc = [frameSamples]int32{}
		for j, s := range ps {
			if i == j || s.in == nil || !hears(l.role, s.role) {
				continue
			}
			for k, v := range s.in[:frameSamples] {
				acc[k] += int32(v)
			}
		}
		for k, v := range acc {
			l.out[k] = clip(v)
		}
	}
}

func clip(v int32) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}

// fifo re-frames a leg's incoming audio into 20 ms frames: sipp sends
// 30 ms packets, phones 20 ms, and packets do not arrive in step with the
// mixer's tick. It holds at most max samples; beyond that the oldest go,
// so that latency stays bounded when a phone's clock runs fast.
type fifo struct {
	buf []int16
	max int
}

func newFIFO() *fifo { return &fifo{max: 10 * frameSamples} }

func (f *fifo) push(s []int16) {
	f.buf = append(f.buf, s...)
	if over := len(f.buf) - f.max; over > 0 {
		f.buf = append(f.buf[:0], f.buf[over:]...)
	}
}

// pop fills frame with the next 20 ms and reports whether there was a
// whole frame; on false, frame is left alone and nothing is consumed, so
// the next tick catches up.
func (f *fifo) pop(frame []int16) bool {
	if len(f.buf) < frameSamples {
		return false
	}
	copy(frame, f.buf[:frameSamples])
	f.buf = append(f.buf[:0], f.buf[frameSamples:]...)
	return true
}

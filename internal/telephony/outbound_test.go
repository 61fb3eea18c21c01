package telephony

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/diago"

	"nivaran/internal/grievance"
)

// TestCallbackAndFeedback: the agent calls a missed caller back (the
// agent's phone first, then the citizen's), recorded like any call; a
// feedback call asks the resolution question and returns the key pressed.
func TestCallbackAndFeedback(t *testing.T) {
	r := newRig(t, Config{WrapUp: -1, RingTimeout: 5 * time.Second})
	agentID := r.agent(t, "agent1", "agent1pw", grievance.Hindi)
	r.agent(t, "9111111111", "9111111111pw", grievance.Hindi) // the citizen's phone stands in for the trunk
	agentPh, _ := answeringPhone(t, r, "agent1", 1000)
	keys := make(chan string, 2)
	keys <- ""
	citizen := newPhone(t, func(p *phone, d *diago.DialogServerSession) {
		med, err := d.Answer(diago.AnswerOptions{})
		if err != nil {
			return
		}
		l := newLeg(med)
		k := <-keys
		ctx, cancel := context.WithTimeout(d.Context(), 1500*time.Millisecond)
		p.talk(ctx, l, 440, k, 300*time.Millisecond)
		cancel()
		if k != "" {
			<-d.Context().Done() // the server hangs up after "thank you"
		}
		d.Hangup(context.Background())
		med.Close()
		<-l.done
	})
	if err := citizen.register(r.srv, "9111111111", "9111111111pw", time.Minute); err != nil {
		t.Fatal(err)
	}
	defer func() {
		r.srv.Close()
		agentPh.close()
		citizen.close()
	}()
	ctx := context.Background()
	id, err := r.srv.Callback(ctx, agentID, "9111111111", "district")
	if err != nil {
		t.Fatalf("call-back: %v", err)
	}
	rec, err := r.st.Call(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Direction != "out" || rec.Outcome != "answered" || rec.AgentID != agentID || len(rec.Legs) != 2 ||
		rec.Legs[0].Role != "agent" || rec.Legs[1].Result != "answered" || rec.HungUpBy != "caller" || rec.RecordingKey == "" {
		t.Errorf("call-back record: %+v", rec)
	}
	f, _ := r.blobs.Open(ctx, rec.RecordingKey)
	data := make([]byte, rec.RecordingSize)
	f.Read(data)
	f.Close()
	pcm, _ := readWAV(data, 2)
	left, right := deinterleave(pcm)
	if toneLevel(left, 440) < 0.02 || toneLevel(right, 1000) < 0.02 {
		t.Errorf("call-back recording: citizen %.4f, agent %.4f", toneLevel(left, 440), toneLevel(right, 1000))
	}
	waitFor(t, "agent available again", 3*time.Second, func() bool { return r.live("agent1").Status == grievance.AgentAvailable })

	// Unknown target, agent not available.
	if _, err := r.srv.Callback(ctx, agentID, "not a number", "district"); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Errorf("bad number: %v", err)
	}
	if _, err := r.srv.Callback(ctx, 999, "9111111111", "district"); grievance.ErrorCode(err) != grievance.EConflict {
		t.Errorf("no such agent: %v", err)
	}

	keys <- "2"
	key, err := r.srv.FeedbackCall(ctx, "9111111111", grievance.English, "26120000007")
	if err != nil || key != '2' {
		t.Fatalf("feedback: %q %v, want '2'", key, err)
	}
	calls, _ := r.st.Calls(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 1)
	if len(calls) != 1 || calls[0].Outcome != "feedback" || calls[0].Complaint != "26120000007" || calls[0].Language != grievance.English {
		t.Errorf("feedback record: %+v", calls)
	}
}

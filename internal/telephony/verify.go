package telephony

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"nivaran/internal/grievance"
)

// Verifier places the citizen verification step's automatic feedback
// calls: a resolution the citizen has not answered After its time gets one
// call, before the sweep closes it unverified (VerifyWithin). Key 1
// confirms the resolution, key 2 reopens the complaint one level up; no
// answer, no key or a failed call change nothing. The claim is the
// store's (once across servers and restarts); at most Lines calls run at
// once on this server.
type Verifier struct {
	Phone interface {
		FeedbackCall(ctx context.Context, number string, lang grievance.Lang, complaint string) (rune, error)
	}
	Store      grievance.FeedbackCallService
	Complaints interface {
		Act(ctx context.Context, actor grievance.Actor, number string, act grievance.Action) (*grievance.Complaint, error)
	}
	Note         func(key string) string // the history's text for a catalogue key (grievance.FeedbackNote*)
	After        time.Duration
	VerifyWithin time.Duration
	Lines        int
	Now          func() time.Time
	Log          *slog.Logger

	mu   sync.Mutex
	busy int
	wg   sync.WaitGroup
}

// Due claims as many due resolutions as there are free lines and calls
// each citizen in the background; it returns how many calls it started.
// The calls end when ctx does. Called by the scheduler, one tick at a time.
func (v *Verifier) Due(ctx context.Context) (int, error) {
	v.mu.Lock()
	free := v.Lines - v.busy
	if free > 0 {
		v.busy += free // reserved until the claim says how many are due
	}
	v.mu.Unlock()
	if free <= 0 {
		return 0, nil
	}
	now := v.Now()
	due, err := v.Store.ClaimFeedbackCalls(ctx, now, now.Add(-v.VerifyWithin), now.Add(-v.After), free)
	v.mu.Lock()
	v.busy -= free - len(due)
	v.mu.Unlock()
	if err != nil {
		return 0, err
	}
	for _, f := range due {
		v.wg.Add(1)
		go v.call(ctx, f)
	}
	return len(due), nil
}

// Wait waits for the calls in progress.
func (v *Verifier) Wait() { v.wg.Wait() }

func (v *Verifier) call(ctx context.Context, f grievance.FeedbackCall) {
	defer v.wg.Done()
	defer func() {
		v.mu.Lock()
		v.busy--
		v.mu.Unlock()
	}()
	callCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	key, err := v.Phone.FeedbackCall(callCtx, f.Mobile, f.Language, f.Number)
	cancel()
	// What the citizen said is kept even when the server is stopping.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	answer := ""
	if err != nil {
		v.Log.Info("helpline: feedback call not answered", "complaint", f.Number, "err", err)
	} else if act, ok := grievance.FeedbackAction(key, v.Note); ok {
		answer = string(key)
		// The citizen may have answered on the portal meanwhile, or the
		// complaint closed: a conflict then, and the earlier answer stands.
		if _, err := v.Complaints.Act(rec, grievance.CitizenActor(f.Mobile), f.Number, act); err != nil {
			v.Log.Info("helpline: feedback answer not applied", "complaint", f.Number, "key", answer, "err", err)
		}
	}
	if err := v.Store.FeedbackCallDone(rec, f.ComplaintID, f.ResolvedAt, answer, v.Now()); err != nil {
		v.Log.Error("helpline: record feedback call", "complaint", f.Number, "err", err)
	}
}

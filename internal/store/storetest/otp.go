package storetest

import (
	"testing"
	"time"

	"nivaran/internal/grievance"
)

func otpMessage(mobile, key string) grievance.Message {
	return grievance.Message{Key: key, Event: "otp", Audience: "citizen", To: mobile, Lang: grievance.Hindi, TemplateID: "1", Text: "code"}
}

// testOTP: codes are single use, expire, allow a limited number of wrong
// tries, are rate-limited per mobile, and each issue queues its SMS.
func testOTP(t *testing.T, e *env) {
	const mobile, max, tries = "9811111111", 3, 5
	issue := func(hash, key string) error {
		return e.h.IssueOTP(e.ctx, mobile, hash, e.clock.Now().Add(10*time.Minute), otpMessage(mobile, key), max, 15*time.Minute)
	}
	if err := issue("h1", "k1"); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := e.h.Messages(e.ctx, mobile, 10); len(msgs) != 1 || msgs[0].Event != "otp" {
		t.Fatalf("OTP SMS not queued: %+v", msgs)
	}
	if err := e.h.CheckOTP(e.ctx, mobile, "wrong", tries); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("wrong code: %v", err)
	}
	if err := e.h.CheckOTP(e.ctx, mobile, "h1", tries); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if err := e.h.CheckOTP(e.ctx, mobile, "h1", tries); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("second use accepted: %v", err)
	}
	// Five wrong tries void the code: the right one is then refused.
	if err := issue("h2", "k2"); err != nil {
		t.Fatal(err)
	}
	for i := range tries {
		if err := e.h.CheckOTP(e.ctx, mobile, "nope", tries); grievance.ErrorCode(err) != grievance.EInvalid {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	if err := e.h.CheckOTP(e.ctx, mobile, "h2", tries); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("code used after %d wrong tries: %v", tries, err)
	}
	// Rate limit per mobile: the fourth code within the window is refused.
	if err := issue("h3", "k3"); err != nil {
		t.Fatalf("3rd code in window: %v", err)
	}
	if err := issue("h3b", "k3b"); grievance.ErrorCode(err) != grievance.ETooMany {
		t.Fatalf("4th code in window: %v, want too_many", err)
	}
	if msgs, _ := e.h.Messages(e.ctx, mobile, 10); len(msgs) != 3 {
		t.Fatalf("refused issue queued a message: %d messages", len(msgs))
	}
	// Expiry, after the window passes.
	e.clock.Advance(16 * time.Minute)
	if err := issue("h4", "k4"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Minute)
	if err := e.h.CheckOTP(e.ctx, mobile, "h4", tries); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("expired code accepted: %v", err)
	}
	// Another mobile is independent.
	if err := e.h.CheckOTP(e.ctx, "9822222222", "h4", tries); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("code of another mobile: %v", err)
	}
}

// testFinalStatusKept: once delivered, a late "undelivered" or "failed"
// report does not change the message; QueueMessages queues each key once.
func testFinalStatusKept(t *testing.T, e *env) {
	msgs := []grievance.Message{otpMessage("9833333333", "q1"), otpMessage("9833333333", "q1")}
	if err := e.h.QueueMessages(e.ctx, msgs); err != nil {
		t.Fatal(err)
	}
	got, _ := e.h.Messages(e.ctx, "9833333333", 10)
	if len(got) != 1 {
		t.Fatalf("%d messages for one key, want 1", len(got))
	}
	id := got[0].ID
	for _, st := range []grievance.MessageStatus{grievance.MsgSent, grievance.MsgDelivered, grievance.MsgUndelivered, grievance.MsgFailed, grievance.MsgQueued} {
		if err := e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: id, Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := e.h.Message(e.ctx, id)
	if err != nil || m.Status != grievance.MsgDelivered {
		t.Fatalf("status %v (%v), want delivered kept", m.Status, err)
	}
}

// testFailedMessages: an officer's message that failed for good is listed
// with its complaint's number; a delivered one is not.
func testFailedMessages(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w1"))
	var officerMsg, citizenMsg int64
	for _, m := range e.messagesOf(c.ID) {
		if m.Audience == "officer" {
			officerMsg = m.ID
		} else {
			citizenMsg = m.ID
		}
	}
	if officerMsg == 0 || citizenMsg == 0 {
		t.Fatalf("messages of %s: %+v", c.Number, e.messagesOf(c.ID))
	}
	e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: officerMsg, Status: grievance.MsgFailed, Error: "dlt_630"})
	e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: citizenMsg, Status: grievance.MsgFailed})
	got, err := e.h.FailedMessages(e.ctx, "officer", e.clock.Now().Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != officerMsg || got[0].Number != c.Number || got[0].LastError != "dlt_630" {
		t.Fatalf("failed officer messages: %+v", got)
	}
	if later, _ := e.h.FailedMessages(e.ctx, "officer", e.clock.Now().Add(time.Hour), 10); len(later) != 0 {
		t.Errorf("since filter ignored: %+v", later)
	}
}

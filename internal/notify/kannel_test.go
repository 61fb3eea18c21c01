package notify

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/notify/kanneltest"
)

// TestKannel sends a Hindi message through a real Kannel (bearerbox, smsbox
// and the fake SMSC) and follows its delivery reports back to the outbox.
func TestKannel(t *testing.T) {
	if err := kanneltest.Missing(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kannel missing in CI: %v", err)
		}
		t.Skip(err)
	}
	if testing.Short() {
		t.Skip("starts Kannel")
	}
	k := kanneltest.Start(t)

	// The message as the planner renders it: Hindi, two SMS parts.
	p, m := MustPlanner(t), testMasters()
	c := &grievance.Complaint{ID: 1, Number: "26031234567", Mobile: "9876543210", Language: grievance.Hindi,
		Category: "pothole", Area: "sadar", Department: "pwd", Due: time.Now().Add(72 * time.Hour)}
	planned, err := p.Plan(c, grievance.Event{Kind: grievance.ActFile, At: time.Now()}, nil, m)
	if err != nil || len(planned) != 1 {
		t.Fatalf("Plan = %v, %v", planned, err)
	}
	msg := planned[0]
	t.Logf("sending %q (%d units, %d parts)", msg.Text, UTF16Units(msg.Text), Parts(msg.Text))
	ob := newMemOutbox()
	id := ob.add(msg)

	srv := httptest.NewUnstartedServer(nil)
	signer, err := NewSigner("http://"+srv.Listener.Addr().String(), []byte("kannel-test-secret-0123"))
	if err != nil {
		t.Fatal(err)
	}
	gw := &KannelGateway{URL: k.URL, Username: kanneltest.Username, Password: kanneltest.Password,
		PETLV: "dlt_pe_id", TemplateTLV: "dlt_template_id"}
	d := MustDispatcher(t, ob, gw, DispatcherOptions{Gateway: "kannel", Signer: signer,
		EntityID: p.Catalogue().EntityID, Header: p.Catalogue().Header})
	srv.Config.Handler = DLRHandler(d)
	srv.Start()
	defer srv.Close()

	if n, err := d.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	// The delivery report may already have arrived: sent or beyond.
	if s := ob.get(id).Status; s.Rank() < grievance.MsgSent.Rank() {
		t.Fatalf("status after send = %s, want sent or beyond", s)
	}

	var got []kanneltest.Part
	kanneltest.WaitFor(t, "fakesmsc to print the message", 20*time.Second, func() bool {
		got = k.Parts(t)
		return len(got) >= Parts(msg.Text)
	})
	if len(got) != Parts(msg.Text) {
		t.Errorf("fakesmsc got %d parts, want %d", len(got), Parts(msg.Text))
	}
	var raw []byte
	for i, g := range got {
		if g.From != kanneltest.Sender || g.To != "919876543210" {
			t.Errorf("part %d from %s to %s, want %s to 919876543210", i, g.From, g.To, kanneltest.Sender)
		}
		// A concatenated part carries UDH 05 00 03 ref total seq.
		if len(got) > 1 && (len(g.UDH) != 6 || int(g.UDH[4]) != len(got) || int(g.UDH[5]) != i+1) {
			t.Errorf("part %d UDH % x, want part %d of %d", i, g.UDH, i+1, len(got))
		}
		if len(got) == 1 && g.Coding != "ucs-2" {
			t.Errorf("coding %s, want ucs-2", g.Coding)
		}
		raw = append(raw, g.Payload...)
	}
	if text, err := kanneltest.UTF16BE(raw); err != nil || text != msg.Text {
		t.Errorf("fakesmsc got text\n%q\nwant\n%q", text, msg.Text)
	}
	if got := k.Messages(t); len(got) != 1 || got[0].Parts != Parts(msg.Text) {
		t.Errorf("Messages = %+v, want the one message in %d parts", got, Parts(msg.Text))
	} else if text, err := got[0].UCS2(); err != nil || text != msg.Text {
		t.Errorf("Messages joined the parts into %q, %v", text, err)
	}
	kanneltest.WaitFor(t, "the delivery report", 20*time.Second, func() bool { return ob.get(id).Status == grievance.MsgDelivered })
}

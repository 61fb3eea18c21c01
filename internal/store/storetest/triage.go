package storetest

import (
	"testing"

	"nivaran/internal/grievance"
)

// testTriage: a complaint by SMS arrives as free text, waits in the
// control room's queue, and is given a category, area and officer there;
// the department then gets the category's deadline.
func testTriage(t *testing.T, e *env) {
	in := grievance.NewComplaint{Mobile: mobileA, Language: grievance.Hindi, Channel: grievance.ChannelSMS, Description: "सड़क पर गड्ढा, स्कूल के पास"}
	c := e.MustFile(in)
	if c.Status != grievance.StatusRegistered || c.Department != "" || c.AssigneeID != 0 || c.Category != "" {
		t.Fatalf("SMS complaint: %+v, want registered in the control room's queue", c)
	}
	if want := e.clock.Now(); !c.Due.After(want) {
		t.Errorf("triage due %v not after filing %v", c.Due, want)
	}
	// A web complaint still needs its category and area.
	web := in
	web.Channel = grievance.ChannelWeb
	if _, err := e.h.File(e.ctx, web); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Errorf("web complaint without category: %v, want invalid", err)
	}
	// Reassigning without a category is refused; with one it routes.
	_, err := e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActReassign, Department: "pwd"})
	if grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("reassign without category: %v, want invalid", err)
	}
	_, err = e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Category: "nope", Area: "w1"})
	if grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("reassign with unknown category: %v, want invalid", err)
	}
	je := e.officerID("pwd-je-w1")
	got, err := e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Category: "road", Area: "w1",
		Target: &grievance.Officer{ID: je}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != grievance.StatusAssigned || got.Category != "road" || got.Area != "w1" || got.AssigneeID != je {
		t.Fatalf("after triage: %+v", got)
	}
	stored, err := e.h.Complaint(e.ctx, e.officer("pwd-je-w1"), c.Number)
	if err != nil || stored.Category != "road" || stored.Area != "w1" {
		t.Fatalf("stored after triage: %+v %v", stored, err)
	}
	// An officer whose jurisdiction misses the new area is refused.
	_, err = e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Area: "w3",
		Target: &grievance.Officer{ID: je}})
	if grievance.ErrorCode(err) != grievance.EInvalid {
		t.Errorf("reassign to an officer outside the area: %v", err)
	}
}

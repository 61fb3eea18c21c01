package grievance_test

import (
	"testing"

	"nivaran/internal/grievance"
)

// TestTriageValidation: an SMS complaint needs only a mobile and text; every
// other channel needs name, category, area and address.
func TestTriageValidation(t *testing.T) {
	tests := []struct {
		name   string
		in     grievance.NewComplaint
		fields []string
	}{
		{"sms free text", grievance.NewComplaint{Mobile: "9876543210", Language: "hi", Channel: grievance.ChannelSMS, Description: "पानी नहीं"}, nil},
		{"sms without text", grievance.NewComplaint{Mobile: "9876543210", Language: "hi", Channel: grievance.ChannelSMS}, []string{"description"}},
		{"sms bad mobile", grievance.NewComplaint{Mobile: "123", Language: "hi", Channel: grievance.ChannelSMS, Description: "x"}, []string{"mobile"}},
		{"web free text", grievance.NewComplaint{Mobile: "9876543210", Language: "hi", Channel: grievance.ChannelWeb, Description: "x"},
			[]string{"name", "category", "area", "address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.in.Validate()
			if len(f) != len(tt.fields) {
				t.Fatalf("errors %v, want fields %v", f, tt.fields)
			}
			for _, k := range tt.fields {
				if _, ok := f[k]; !ok {
					t.Errorf("no error for %s: %v", k, f)
				}
			}
		})
	}
}

// TestReassignCategorises: the control room gives a triaged complaint its
// category and area while assigning it; without them it is refused.
func TestReassignCategorises(t *testing.T) {
	c := &grievance.Complaint{ID: 1, Number: "26120000001", Mobile: "9876543210", Channel: grievance.ChannelSMS, Status: grievance.StatusRegistered}
	sup := grievance.Actor{UserID: 1, Roles: []grievance.Role{grievance.RoleSupervisor}}
	o := &grievance.Officer{ID: 5, Department: "jal", Level: 1, Areas: []string{"w1"}, Active: true}
	before := *c
	if _, err := grievance.Apply(c, grievance.Action{Kind: grievance.ActReassign, Department: "jal", Target: o}, sup, c.Updated); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("without category: %v", err)
	}
	if c.Status != before.Status || c.Category != "" {
		t.Fatal("refused reassignment changed the complaint")
	}
	if _, err := grievance.Apply(c, grievance.Action{Kind: grievance.ActReassign, Department: "jal", Category: "leak", Area: "w2", Target: o}, sup, c.Updated); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("officer outside the new area: %v", err)
	}
	ev, err := grievance.Apply(c, grievance.Action{Kind: grievance.ActReassign, Department: "jal", Category: "leak", Area: "w1", Target: o}, sup, c.Updated)
	if err != nil {
		t.Fatal(err)
	}
	if c.Category != "leak" || c.Area != "w1" || c.AssigneeID != 5 || c.Status != grievance.StatusAssigned || ev.To != grievance.StatusAssigned {
		t.Errorf("after: %+v %+v", c, ev)
	}
}

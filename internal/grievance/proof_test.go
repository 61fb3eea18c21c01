package grievance_test

import (
	"math"
	"testing"

	"nivaran/internal/grievance"
)

func TestDistance(t *testing.T) {
	// Lucknow's Charbagh station to Hazratganj crossing: about 3.4 km.
	a, b := grievance.Point{Lat: 26.8320, Long: 80.9220}, grievance.Point{Lat: 26.8506, Long: 80.9469}
	if d := grievance.Distance(a, b); math.Abs(d-3240) > 150 {
		t.Errorf("Distance = %.0f m, want about 3,240", d)
	}
	if d := grievance.Distance(a, a); d != 0 {
		t.Errorf("Distance to itself = %v", d)
	}
	// One thousandth of a degree of latitude is about 111 m.
	if d := grievance.Distance(grievance.Point{Lat: 26, Long: 80}, grievance.Point{Lat: 26.001, Long: 80}); math.Abs(d-111.2) > 1 {
		t.Errorf("0.001° latitude = %.1f m", d)
	}
}

// TestReportProof: a category that needs proof refuses a report without a
// photo, without a location, or with a location far from the complaint.
func TestReportProof(t *testing.T) {
	o := &grievance.Officer{ID: 3, Department: "pwd", Level: 1, Active: true}
	officer := grievance.Actor{UserID: 9, Roles: []grievance.Role{grievance.RoleOfficer}, Officer: o}
	here := &grievance.Point{Lat: 26.8467, Long: 80.9462}
	near := &grievance.Point{Lat: 26.8470, Long: 80.9465} // about 45 m
	far := &grievance.Point{Lat: 26.8600, Long: 80.9462}  // about 1.5 km
	photo := []grievance.Upload{{ContentType: "image/jpeg", Data: []byte{1}}}
	tests := []struct {
		name   string
		at     *grievance.Point // the complaint's location
		act    grievance.Action
		fields []string
	}{
		{"proof given", here, grievance.Action{Photos: photo, Location: near}, nil},
		{"no photo", here, grievance.Action{Location: near}, []string{"photo"}},
		{"no location", here, grievance.Action{Photos: photo}, []string{"location"}},
		{"nothing", here, grievance.Action{}, []string{"photo", "location"}},
		{"too far", here, grievance.Action{Photos: photo, Location: far}, []string{"location"}},
		{"complaint without location", nil, grievance.Action{Photos: photo, Location: far}, nil},
		{"not required", here, grievance.Action{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &grievance.Complaint{ID: 1, Number: "26120000001", Status: grievance.StatusInProgress, Department: "pwd", AssigneeID: 3, Level: 1, Location: tt.at}
			act := tt.act
			act.Kind, act.Note = grievance.ActReport, "done"
			act.RequireProof, act.MaxDistance = tt.name != "not required", 500
			_, err := grievance.Apply(c, act, officer, c.Updated)
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := grievance.AsError(err)
			if e.Code != grievance.EInvalid || len(e.Fields) != len(tt.fields) {
				t.Fatalf("err = %v, want fields %v", err, tt.fields)
			}
			for _, f := range tt.fields {
				if e.Fields[f] == "" {
					t.Errorf("no error for %s: %v", f, e.Fields)
				}
			}
			if c.Status != grievance.StatusInProgress {
				t.Error("refused report changed the complaint")
			}
		})
	}
}

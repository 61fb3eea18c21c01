package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// TestAuditAppendOnly: the database itself refuses to change or remove an
// audit entry, whoever asks.
func TestAuditAppendOnly(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 23, 10, 0, 0, 0, time.UTC) }
	s := MustOpen(t, t.TempDir(), now)
	mustFixture(t, s)
	ctx := context.Background()
	admin := grievance.Actor{UserID: 1, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin}}
	m, _ := s.Masters(ctx)
	c := *m.Category("road")
	c.ResolutionDays = 5
	if err := s.AdminSaveCategory(ctx, admin, c); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE audit SET after = '{}'", "DELETE FROM audit"} {
		err := s.write(ctx, func(w *wtx) error {
			_, err := w.exec(q)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: error %v, want the trigger's refusal", q, err)
		}
	}
	got, err := s.Audit(ctx, grievance.AuditFilter{})
	if err != nil || len(got) != 1 || !strings.Contains(got[0].After, `"ResolutionDays":5`) {
		t.Fatalf("audit after the attempts: %+v, %v", got, err)
	}
}

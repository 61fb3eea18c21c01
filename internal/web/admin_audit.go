package web

import (
	"net/http"
	"time"

	"nivaran/internal/grievance"
)

// auditEntities are the entities the audit filter offers.
var auditEntities = []string{grievance.AuditOfficer, grievance.AuditCategory, grievance.AuditDepartment, grievance.AuditArea, grievance.AuditRule, grievance.AuditHoliday, grievance.AuditUser, grievance.AuditMasters,
	grievance.AuditSMS, grievance.AuditOpen311Key, grievance.AuditAPIToken, grievance.AuditWebhook, grievance.AuditPhoneAccount}

// auditView is the audit log page.
type auditView struct {
	Entries  []grievance.AuditEntry
	Entities []string
}

// adminAudit shows the audit log, newest first, filtered by entity, actor
// and dates (district days, both included). It only reads: there is no
// route that changes the log.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("admin.audit.title")
	q := r.URL.Query()
	p.Form = q
	f := grievance.AuditFilter{Entity: q.Get("entity"), Actor: q.Get("actor")}
	fe := grievance.FieldErrors{}
	if v := q.Get("from"); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, s.Location)
		if err != nil {
			fe.Add("from", "admin.error.date")
		}
		f.From = d
	}
	if v := q.Get("to"); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, s.Location)
		if err != nil {
			fe.Add("to", "admin.error.date")
		}
		f.To = d.AddDate(0, 0, 1)
	}
	v := auditView{Entities: auditEntities}
	p.Data = v
	if err := fe.Err(); err != nil {
		s.formFail(w, r, "admin_audit", p, err)
		return
	}
	entries, err := s.Admin.Audit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Entries = entries
	p.Data = v
	s.render(w, http.StatusOK, "admin_audit", p)
}

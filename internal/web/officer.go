package web

import (
	"net/http"
	"net/url"
	"strconv"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// inboxView is the officer's inbox.
type inboxView struct {
	Tab   string
	Text  string // the search box
	Page  grievance.ComplaintPage
	Query string
}

// officerInbox lists the complaints assigned to the officer (overdue
// first), or all open complaints of their jurisdiction.
func (s *Server) officerInbox(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r)
	if id.Actor.Officer == nil {
		if id.Actor.ControlRoom() {
			redirect(w, r, "/control")
			return
		}
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.not_officer"))
		return
	}
	p := s.newPage(r, id)
	p.Title = p.T("inbox.title")
	tab := r.URL.Query().Get("tab")
	f := grievance.ComplaintFilter{OpenOnly: true, Order: grievance.OrderDue, Cursor: r.URL.Query().Get("after")}
	if tab != "area" {
		tab = "mine"
		f.AssigneeID = id.Actor.Officer.ID
	}
	f.Text = searchText(r)
	page, err := s.Complaints.Search(r.Context(), id.Actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Data = inboxView{Tab: tab, Text: f.Text, Page: page, Query: "tab=" + tab + "&q=" + url.QueryEscape(f.Text)}
	s.render(w, http.StatusOK, "inbox", p)
}

// staffView is a complaint as staff see it, with the choices of the
// actions they may take.
type staffView struct {
	C            *grievance.Complaint
	Events       []grievance.Event
	Subordinates []*grievance.Officer
	Officers     []grievance.Officer // for reassignment
	Choices      fileView            // categories and areas, for reassignment
	Duplicates   []grievance.Match   // probable duplicates, to link
	// Key is the action-taken report's idempotency key, new at every
	// render: a form sent twice (a double tap, a resend from the field
	// app's offline queue) is applied once.
	Key string
}

func (s *Server) complaintStaff(w http.ResponseWriter, r *http.Request) {
	s.showStaff(w, r, http.StatusOK, nil)
}

// showStaff renders the staff complaint page, with a failed action's error
// when err is not nil.
func (s *Server) showStaff(w http.ResponseWriter, r *http.Request, status int, err error) {
	id := identityFrom(r)
	number := r.PathValue("number")
	c, lerr := s.Complaints.Complaint(r.Context(), id.Actor, number)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	events, lerr := s.Complaints.History(r.Context(), id.Actor, number)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := s.newPage(r, id)
	p.Title = p.T("complaint.title", c.Number)
	v := staffView{C: c, Events: events, Duplicates: s.duplicatesFor(r, id, c), Key: auth.NewToken()}
	if o := id.Actor.Officer; o != nil {
		v.Subordinates = p.Masters.Subordinates(o, c)
	}
	if id.Actor.ControlRoom() {
		for _, o := range p.Masters.Officers {
			if o.Active && (c.Area == "" || o.Covers(c.Area)) {
				v.Officers = append(v.Officers, o)
			}
		}
		v.Choices = s.fileView(p)
	}
	p.Data = v
	p.Form = r.PostForm
	if err != nil {
		s.formFail(w, r, "complaint_staff", p, err)
		return
	}
	s.render(w, status, "complaint_staff", p)
}

// complaintAct performs one action from the complaint page and comes back
// to it.
func (s *Server) complaintAct(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r)
	number := r.PathValue("number")
	kind := grievance.ActionKind(r.PathValue("action"))
	switch kind {
	case grievance.ActAccept, grievance.ActForward, grievance.ActReturn, grievance.ActNote, grievance.ActReport,
		grievance.ActReassign, grievance.ActClose, grievance.ActReopen, grievance.ActReject, grievance.ActHold, grievance.ActRelease,
		grievance.ActLink, grievance.ActUnlink:
	default:
		s.notFound(w, r)
		return
	}
	act := grievance.Action{Kind: kind, Note: r.FormValue("note"), Key: r.FormValue("key")}
	if v := r.FormValue("officer"); v != "" {
		oid, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.showStaff(w, r, 0, (grievance.FieldErrors{"officer": "error.forward_target"}).Err())
			return
		}
		act.Target = &grievance.Officer{ID: oid}
	}
	act.Department = r.FormValue("department")
	act.Parent = r.FormValue("parent")
	act.Category, act.Area = r.FormValue("category"), r.FormValue("area")
	if kind == grievance.ActReport {
		var err error
		if act.Location, err = point(r); err != nil {
			s.showStaff(w, r, 0, err)
			return
		}
		if act.Photos, err = photos(r, "photo", s.MaxPhotoBytes); err != nil {
			s.showStaff(w, r, 0, err)
			return
		}
	}
	if _, err := s.Complaints.Act(r.Context(), id.Actor, number, act); err != nil {
		s.showStaff(w, r, 0, err)
		return
	}
	redirect(w, r, "/officer/complaints/"+backTo(r, number)+"#history")
}

func (s *Server) photoStaff(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r)
	c, err := s.Complaints.Complaint(r.Context(), id.Actor, r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.servePhoto(w, r, c.Attachments)
}

// controlView is the control room's complaint list.
type controlView struct {
	FailedSMS []grievance.Message    // officers' messages that did not arrive, last 7 days
	Returned  []*grievance.Complaint // returned as not-my-department, waiting for the control room
	Reopened  []*grievance.Complaint // reopened: the citizen (or the control room) rejected the resolution
	Status    string
	Dept      string
	Text      string // the search box
	Page      grievance.ComplaintPage
	Query     string
}

// searchText is the list's search box: number, mobile, name or words of
// the description (the store's full-text search), at most 200 characters.
func searchText(r *http.Request) string {
	q := []rune(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	return string(q)
}

// controlList lists every complaint for the control room, filterable by
// status and department.
func (s *Server) controlList(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	p.Title = p.T("control.title")
	q := r.URL.Query()
	f := grievance.ComplaintFilter{Order: grievance.OrderRecent, Cursor: q.Get("after"), Department: q.Get("department"), Text: searchText(r)}
	st := grievance.Status(q.Get("status"))
	switch {
	case st == "open":
		f.OpenOnly, f.Order = true, grievance.OrderDue
	case st.Valid():
		f.Statuses = []grievance.Status{st}
	default:
		st = ""
	}
	page, err := s.Complaints.Search(r.Context(), id.Actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	failed, err := s.Outbox.FailedMessages(r.Context(), "officer", s.Now().AddDate(0, 0, -7), 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	attention := func(st grievance.Status) ([]*grievance.Complaint, error) {
		pg, err := s.Complaints.Search(r.Context(), id.Actor, grievance.ComplaintFilter{Statuses: []grievance.Status{st},
			Order: grievance.OrderDue, Limit: 10})
		return pg.Complaints, err
	}
	returned, err := attention(grievance.StatusReturned)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reopened, err := attention(grievance.StatusReopened)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	query := "status=" + string(st) + "&department=" + f.Department + "&q=" + url.QueryEscape(f.Text)
	p.Data = controlView{FailedSMS: failed, Returned: returned, Reopened: reopened, Status: string(st), Dept: f.Department, Text: f.Text, Page: page, Query: query}
	s.render(w, http.StatusOK, "control", p)
}

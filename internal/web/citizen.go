package web

import (
	"crypto/hmac"
	"net/http"
	"net/url"
	"strconv"

	"nivaran/internal/grievance"
)

// formLimit bounds a filing: every photo at its limit plus the text.
func (s *Server) formLimit() int64 { return s.MaxPhotoBytes*grievance.MaxPhotos + 256<<10 }

func (s *Server) citizenForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Title = p.T("file.title")
	p.CSRF = s.anonCSRF(w, r)
	p.Form = url.Values{}
	p.Data = s.fileView(p)
	s.render(w, http.StatusOK, "file", p)
}

// fileView is the data of the filing form.
type fileView struct {
	Categories []categoryGroup
	Areas      []areaGroup
}

// areaGroup is a tehsil or zone with the areas a citizen can choose in it.
type areaGroup struct {
	Name  string
	Areas []areaOption
}

type areaOption struct{ Code, Name string }

func (s *Server) fileView(p *page) fileView {
	lang := grievance.Lang(p.Lang)
	v := fileView{Categories: s.categoryGroups(p)}
	for _, a := range p.Masters.Areas {
		if a.Parent != "" || p.Masters.Leaf(a.Code) {
			continue
		}
		g := areaGroup{Name: a.Name.In(lang)}
		for _, code := range p.Masters.Leaves(a.Code) {
			g.Areas = append(g.Areas, areaOption{Code: code, Name: p.Masters.Area(code).Name.In(lang)})
		}
		v.Areas = append(v.Areas, g)
	}
	var loose []areaOption // top-level leaves, if any
	for _, a := range p.Masters.Areas {
		if a.Parent == "" && p.Masters.Leaf(a.Code) {
			loose = append(loose, areaOption{Code: a.Code, Name: a.Name.In(lang)})
		}
	}
	if len(loose) > 0 {
		v.Areas = append(v.Areas, areaGroup{Name: p.T("field.other_areas"), Areas: loose})
	}
	return v
}

// categoryGroup is a department with its categories, for an <optgroup>.
type categoryGroup struct {
	Department string
	Categories []grievance.Category
}

func (s *Server) categoryGroups(p *page) []categoryGroup {
	var out []categoryGroup
	for _, d := range p.Masters.Departments {
		g := categoryGroup{Department: d.Name.In(grievance.Lang(p.Lang))}
		for _, c := range p.Masters.Categories {
			if c.Department == d.Code && c.Active {
				g.Categories = append(g.Categories, c)
			}
		}
		if len(g.Categories) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func (s *Server) complaintFile(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Title = p.T("file.title")
	p.Data = s.fileView(p)
	if err := parseForm(w, r, s.formLimit()); err != nil {
		p.CSRF = s.anonCSRF(w, r)
		p.Form = url.Values{}
		s.formFail(w, r, "file", p, err)
		return
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CSRF = s.anonCSRF(w, r)
	p.Form = r.Form
	in := grievance.NewComplaint{
		Name: r.FormValue("name"), Mobile: r.FormValue("mobile"), Language: grievance.Lang(p.Lang),
		Channel: grievance.ChannelWeb, Category: r.FormValue("category"), Area: r.FormValue("area"),
		Address: r.FormValue("address"), Description: r.FormValue("description"),
	}
	loc, err := point(r)
	if err != nil {
		s.formFail(w, r, "file", p, err)
		return
	}
	in.Location = loc
	if in.Photos, err = photos(r, "photo", s.MaxPhotoBytes); err != nil {
		s.formFail(w, r, "file", p, err)
		return
	}
	c, err := s.Complaints.File(r.Context(), in)
	if err != nil {
		s.formFail(w, r, "file", p, err)
		return
	}
	redirect(w, r, s.PublicLink(c.Number)+"&new=1")
}

// publicView is the data of the public complaint page (receipt and status).
type publicView struct {
	C      *grievance.Complaint
	Events []grievance.Event
	Token  string
	New    bool
}

// complaintPublic shows a complaint to whoever holds its link: the receipt
// right after filing, the status page after tracking.
func (s *Server) complaintPublic(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	if !s.linkHolder(r, number) {
		s.notFound(w, r)
		return
	}
	c, events, err := s.trackByToken(r, number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, nil)
	p.Title = p.T("complaint.title", c.Number)
	p.CSRF = s.anonCSRF(w, r)
	p.Data = publicView{C: c, Events: events, Token: s.trackToken(number), New: r.URL.Query().Get("new") == "1"}
	s.render(w, http.StatusOK, "complaint_public", p)
}

// linkHolder reports whether the request carries the public link of
// complaint number: its capability token.
func (s *Server) linkHolder(r *http.Request, number string) bool {
	return grievance.ValidNumber(number) && hmac.Equal([]byte(r.URL.Query().Get("t")), []byte(s.trackToken(number)))
}

// trackByToken loads a complaint whose link token was verified: the system
// reads it, and only public events are shown.
func (s *Server) trackByToken(r *http.Request, number string) (*grievance.Complaint, []grievance.Event, error) {
	c, err := s.Complaints.Complaint(r.Context(), grievance.SystemActor, number)
	if err != nil {
		return nil, nil, err
	}
	return s.Complaints.Track(r.Context(), number, c.Mobile)
}

// complaintVerify records the citizen's answer to a resolution: solved
// (closes it) or not solved, with what is still wrong (reopens it one level
// up). The link's token proves the citizen; the form is CSRF-protected.
func (s *Server) complaintVerify(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	if !s.linkHolder(r, number) {
		s.notFound(w, r)
		return
	}
	if err := parseForm(w, r, 16<<10); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return
	}
	kind := grievance.ActCitizenAccept
	if r.PathValue("answer") == "reject" {
		kind = grievance.ActCitizenReject
	}
	c, events, err := s.trackByToken(r, number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.Complaints.Act(r.Context(), grievance.CitizenActor(c.Mobile), number, grievance.Action{Kind: kind, Note: r.FormValue("note")}); err != nil {
		p := s.newPage(r, nil)
		p.Title = p.T("complaint.title", c.Number)
		p.CSRF = s.anonCSRF(w, r)
		p.Form = r.PostForm
		p.Data = publicView{C: c, Events: events, Token: s.trackToken(number)}
		s.formFail(w, r, "complaint_public", p, err)
		return
	}
	redirect(w, r, s.PublicLink(number)+"#history")
}

func (s *Server) photoPublic(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	if !s.linkHolder(r, number) {
		s.notFound(w, r)
		return
	}
	_, events, err := s.trackByToken(r, number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Only photos of public events: the citizen's own and action-taken reports.
	var list []grievance.Attachment
	for _, e := range events {
		list = append(list, e.Attachments...)
	}
	s.servePhoto(w, r, list)
}

func (s *Server) servePhoto(w http.ResponseWriter, r *http.Request, list []grievance.Attachment) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, a := range list {
		if a.ID != id {
			continue
		}
		f, err := s.Blobs.Open(r.Context(), a.Key)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", a.ContentType)
		w.Header().Set("Cache-Control", "private, max-age=86400")
		w.Header().Set("Content-Disposition", "inline")
		http.ServeContent(w, r, "", a.Created, f)
		return
	}
	s.notFound(w, r)
}

func (s *Server) trackForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Title = p.T("track.title")
	p.CSRF = s.anonCSRF(w, r)
	p.Form = url.Values{"number": {r.URL.Query().Get("number")}}
	s.render(w, http.StatusOK, "track", p)
}

func (s *Server) trackFind(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Title = p.T("track.title")
	if !s.anonForm(w, r, "track", p) {
		return
	}
	number := r.FormValue("number")
	c, _, err := s.Complaints.Track(r.Context(), number, r.FormValue("mobile"))
	if err != nil {
		if grievance.ErrorCode(err) == grievance.ENotFound {
			err = grievance.Errorf(grievance.ENotFound, "error.track_not_found")
		}
		s.formFail(w, r, "track", p, err)
		return
	}
	redirect(w, r, s.PublicLink(c.Number))
}

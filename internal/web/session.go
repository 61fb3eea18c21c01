package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
)

const (
	sessionCookie = "nv_session"
	csrfCookie    = "nv_csrf"
)

type ctxKey struct{}

func identityFrom(r *http.Request) *auth.Identity {
	id, _ := r.Context().Value(ctxKey{}).(*auth.Identity)
	return id
}

// staff requires a signed-in user: anonymous visitors go to the sign-in
// page (GET) or get 401 (POST). Every POST must carry the session's CSRF
// token in the form field "csrf". A user who must change their password is
// sent to do so first.
func (s *Server) staff(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie(sessionCookie)
		token := ""
		if c != nil {
			token = c.Value
		}
		id, err := s.Auth.Authenticate(r.Context(), token)
		if err != nil {
			if grievance.ErrorCode(err) == grievance.EUnauthorized && r.Method == http.MethodGet {
				redirect(w, r, "/officer/login?next="+url.QueryEscape(r.URL.RequestURI()))
				return
			}
			s.fail(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, id))
		if r.Method == http.MethodPost {
			if err := parseForm(w, r, s.formLimit()); err != nil {
				s.fail(w, r, err)
				return
			}
			if !auth.Equal(r.PostFormValue("csrf"), id.Session.CSRF) {
				s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.csrf"))
				return
			}
		}
		if id.User.MustChange && !strings.HasPrefix(r.URL.Path, "/officer/password") && r.URL.Path != "/officer/logout" {
			redirect(w, r, "/officer/password")
			return
		}
		h(w, r)
	}
}

// anonCSRF returns the CSRF token of an anonymous visitor, setting the
// cookie when there is none yet (double-submit: the form field must equal
// the cookie, which another site can neither read nor set).
func (s *Server) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return c.Value
	}
	t := auth.NewToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: t, Path: "/", HttpOnly: true,
		Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode})
	return t
}

// checkAnonCSRF verifies the double-submit token of an anonymous form. Call
// it after the form is parsed.
func checkAnonCSRF(r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" || !auth.Equal(c.Value, r.FormValue("csrf")) {
		return grievance.Errorf(grievance.EForbidden, "error.csrf")
	}
	return nil
}

// anonForm reads an anonymous visitor's small form for page name: a form
// that cannot be read comes back with its message, one without the
// visitor's CSRF token is refused. It reports whether to go on; p then has
// the form and a token.
func (s *Server) anonForm(w http.ResponseWriter, r *http.Request, name string, p *page) bool {
	if err := parseForm(w, r, 16<<10); err != nil {
		p.CSRF = s.anonCSRF(w, r)
		s.formFail(w, r, name, p, err)
		return false
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return false
	}
	p.CSRF = s.anonCSRF(w, r)
	p.Form = r.Form
	return true
}

// localPath returns next when it is a path on this site, else fallback:
// no open redirects.
func localPath(next, fallback string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") && !strings.ContainsAny(next, "\r\n") {
		return next
	}
	return fallback
}

func (s *Server) langSet(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "hi" && lang != "en" {
		s.notFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	redirect(w, r, localPath(r.URL.Query().Get("next"), "/"))
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Lang = s.staffLang(r)
	p.Title = p.T("login.title")
	p.CSRF = s.anonCSRF(w, r)
	p.Form = url.Values{"next": {localPath(r.URL.Query().Get("next"), "")}}
	s.render(w, http.StatusOK, "login", p)
}

func (s *Server) staffLang(r *http.Request) string {
	choice := ""
	if c, err := r.Cookie("lang"); err == nil {
		choice = c.Value
	}
	return i18n.Negotiate(choice, r.Header.Get("Accept-Language"))
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	p := s.newPage(r, nil)
	p.Lang = s.staffLang(r)
	p.Title = p.T("login.title")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, grievance.Errorf(grievance.EInvalid, "error.bad_form"))
		return
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CSRF = s.anonCSRF(w, r)
	p.Form = url.Values{"login": {r.PostFormValue("login")}, "next": {localPath(r.PostFormValue("next"), "")}}
	// A new sign-in always gets a new session: end the old one, if any.
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.Auth.Logout(r.Context(), c.Value)
	}
	token, sess, u, err := s.Auth.Login(r.Context(), strings.TrimSpace(r.PostFormValue("login")), r.PostFormValue("password"), s.ClientAddr(r))
	if err != nil {
		s.formFail(w, r, "login", p, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode, Expires: sess.Expires})
	next := localPath(r.PostFormValue("next"), "")
	if next == "" {
		next = "/officer"
		a := grievance.Actor{Roles: u.Roles}
		if u.OfficerID == 0 && a.ControlRoom() {
			next = "/control"
		}
	}
	redirect(w, r, next)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Auth.Logout(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	redirect(w, r, "/officer/login")
}

func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("password.title")
	s.render(w, http.StatusOK, "password", p)
}

func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r)
	p := s.newPage(r, id)
	p.Title = p.T("password.title")
	if r.PostFormValue("new") != r.PostFormValue("confirm") {
		s.formFail(w, r, "password", p, (grievance.FieldErrors{"confirm": "error.password_mismatch"}).Err())
		return
	}
	if err := s.Auth.ChangePassword(r.Context(), id, r.PostFormValue("old"), r.PostFormValue("new")); err != nil {
		s.formFail(w, r, "password", p, err)
		return
	}
	redirect(w, r, "/officer")
}

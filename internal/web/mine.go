package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// Citizens' "my complaints": a one-time code by SMS proves the mobile
// number; a signed cookie then lets the browser list that number's
// complaints for a while. Nothing is kept on the server but the code's
// keyed hash, so every server accepts the cookie.
const (
	pendingCookie = "nv_otp"  // the mobile a code was sent to, signed, 10 minutes
	mineCookie    = "nv_mine" // the proven mobile, signed, 30 minutes
	otpTTL        = auth.OTPTTL
	mineTTL       = 30 * time.Minute
)

// sign returns "mobile.expiry.mac" for a cookie of kind.
func (s *Server) sign(kind, mobile string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	m := hmac.New(sha256.New, s.Secret)
	fmt.Fprintf(m, "%s|%s|%s", kind, mobile, e)
	return mobile + "." + e + "." + hex.EncodeToString(m.Sum(nil)[:16])
}

// verified returns the mobile in a signed cookie of kind, or "".
func (s *Server) verified(r *http.Request, kind string) string {
	c, err := r.Cookie(kind)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 || !grievance.ValidMobile(parts[0]) {
		return ""
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || s.Now().Unix() > exp {
		return ""
	}
	if !hmac.Equal([]byte(c.Value), []byte(s.sign(kind, parts[0], time.Unix(exp, 0)))) {
		return ""
	}
	return parts[0]
}

func (s *Server) setSigned(w http.ResponseWriter, kind, mobile string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: kind, Value: s.sign(kind, mobile, s.Now().Add(ttl)), Path: "/my",
		MaxAge: int(ttl.Seconds()), HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// codes sends and checks one-time codes as the API does (package auth:
// the same limits and keyed hash, so a code works on either surface).
func (s *Server) codes() *auth.Codes {
	return &auth.Codes{Store: s.OTP, Secret: s.Secret, Message: s.OTPMessage, Now: s.Now}
}

// mineView lists a citizen's complaints.
type mineView struct {
	Mobile string
	Page   grievance.ComplaintPage
	Links  map[string]string
}

func (s *Server) mine(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.CSRF = s.anonCSRF(w, r)
	mobile := s.verified(r, mineCookie)
	if mobile == "" {
		p.Title = p.T("mine.title")
		p.Form = url.Values{}
		s.render(w, http.StatusOK, "mine_ask", p)
		return
	}
	page, err := s.Complaints.Search(r.Context(), grievance.CitizenActor(mobile),
		grievance.ComplaintFilter{Mobile: mobile, Order: grievance.OrderRecent, Limit: 100, Cursor: r.URL.Query().Get("after")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := mineView{Mobile: grievance.MaskMobile(mobile), Page: page, Links: map[string]string{}}
	for _, c := range page.Complaints {
		v.Links[c.Number] = s.PublicLink(c.Number)
	}
	p.Title = p.T("mine.title")
	p.Data = v
	s.render(w, http.StatusOK, "mine_list", p)
}

func (s *Server) mineCode(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Title = p.T("mine.title")
	if !s.anonForm(w, r, "mine_ask", p) {
		return
	}
	mobile := grievance.NormalizeMobile(r.FormValue("mobile"))
	if !grievance.ValidMobile(mobile) {
		s.formFail(w, r, "mine_ask", p, (grievance.FieldErrors{"mobile": "error.mobile"}).Err())
		return
	}
	if ok, wait := s.OTPLimit.Allow(s.ClientAddr(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.formFail(w, r, "mine_ask", p, grievance.Errorf(grievance.ETooMany, "error.too_many"))
		return
	}
	if err := s.codes().Send(r.Context(), mobile, grievance.Lang(p.Lang)); err != nil {
		s.formFail(w, r, "mine_ask", p, err)
		return
	}
	s.setSigned(w, pendingCookie, mobile, otpTTL)
	redirect(w, r, "/my/verify")
}

func (s *Server) mineVerifyForm(w http.ResponseWriter, r *http.Request) {
	mobile := s.verified(r, pendingCookie)
	if mobile == "" {
		redirect(w, r, "/my")
		return
	}
	p := s.newPage(r, nil)
	p.Title = p.T("mine.verify_title")
	p.CSRF = s.anonCSRF(w, r)
	p.Data = grievance.MaskMobile(mobile)
	s.render(w, http.StatusOK, "mine_verify", p)
}

func (s *Server) mineVerify(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Title = p.T("mine.verify_title")
	mobile := s.verified(r, pendingCookie)
	if err := parseForm(w, r, 16<<10); err != nil || mobile == "" {
		redirect(w, r, "/my")
		return
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return
	}
	p.CSRF = s.anonCSRF(w, r)
	p.Data = grievance.MaskMobile(mobile)
	if _, err := s.codes().Check(r.Context(), mobile, r.FormValue("code")); err != nil {
		s.formFail(w, r, "mine_verify", p, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/my", MaxAge: -1})
	s.setSigned(w, mineCookie, mobile, mineTTL)
	redirect(w, r, "/my")
}

func (s *Server) mineLogout(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 16<<10); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkAnonCSRF(r); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: mineCookie, Value: "", Path: "/my", MaxAge: -1})
	redirect(w, r, "/")
}

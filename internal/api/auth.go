package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
	"nivaran/internal/reply"
)

type ctxKey struct{}

// caller is who a token-bearing request comes from.
type caller struct {
	id    *auth.Identity
	token *grievance.APIToken
}

func callerFrom(r *http.Request) caller {
	c, _ := r.Context().Value(ctxKey{}).(caller)
	return c
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// authed requires a live bearer token: 401 with WWW-Authenticate without
// one. Authenticated requests are rate-limited per token.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nivaran"`)
			s.fail(w, r, grievance.Errorf(grievance.EUnauthorized, "error.token_required"))
			return
		}
		id, t, err := s.Tokens.Authenticate(r.Context(), tok)
		if err != nil {
			if grievance.ErrorCode(err) == grievance.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="nivaran", error="invalid_token"`)
			}
			s.fail(w, r, err)
			return
		}
		lim := s.PerToken
		if lim == nil {
			lim = s.Public
		}
		if ok, wait := lim.Allow("token:" + strconv.FormatInt(t.ID, 10)); !ok {
			reply.RetryAfter(w, wait)
			s.fail(w, r, grievance.Errorf(grievance.ETooMany, "error.too_many"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, caller{id: id, token: t})))
	}
}

// tokenCreated is the answer to a sign-in or a verified code.
type tokenCreated struct {
	Token   string    `json:"token"`
	ID      int64     `json:"id"`
	Scope   string    `json:"scope"`
	Expires time.Time `json:"expires"`
	Login   string    `json:"login,omitempty"`
	Roles   []string  `json:"roles,omitempty"`
	Officer *officer  `json:"officer,omitempty"`
}

type officer struct {
	Code        string         `json:"code"`
	Department  string         `json:"department"`
	Level       int            `json:"level"`
	Designation grievance.Text `json:"designation"`
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Label    string `json:"label"`
}

// tokenCreate signs an officer (or any staff account) in with user ID and
// password and returns a bearer token.
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Auth.Verify(r.Context(), req.Login, req.Password, s.ClientAddr(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secret, t, err := s.Tokens.IssueUser(r.Context(), u, req.Label)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := tokenCreated{Token: secret, ID: t.ID, Scope: t.Scope(), Expires: t.Expires.In(s.Location), Login: u.Login, Roles: []string{}}
	for _, role := range u.Roles {
		out.Roles = append(out.Roles, string(role))
	}
	if u.OfficerID != 0 {
		if m, err := s.Masters.Masters(r.Context()); err == nil {
			if o := m.Officer(u.OfficerID); o != nil {
				out.Officer = &officer{Code: o.Code, Department: o.Department, Level: o.Level, Designation: o.Designation}
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	reply.JSON(w, http.StatusCreated, out)
}

type otpRequest struct {
	Mobile   string `json:"mobile"`
	Language string `json:"language"`
}

type otpSent struct {
	ExpiresIn int `json:"expires_in"` // seconds
}

// otpRequest sends a one-time code by SMS to a citizen's mobile.
func (s *Server) otpRequest(w http.ResponseWriter, r *http.Request) {
	var req otpRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if ok, wait := s.OTPLimit.Allow(s.ClientAddr(r)); !ok {
		reply.RetryAfter(w, wait)
		s.fail(w, r, grievance.Errorf(grievance.ETooMany, "error.too_many"))
		return
	}
	lang := grievance.Lang(req.Language)
	if !lang.Valid() {
		lang = grievance.Lang(s.lang(r))
	}
	if err := s.Codes.Send(r.Context(), req.Mobile, lang); err != nil {
		s.fail(w, r, err)
		return
	}
	reply.JSON(w, http.StatusAccepted, otpSent{ExpiresIn: int(auth.OTPTTL.Seconds())})
}

type otpVerifyRequest struct {
	Mobile string `json:"mobile"`
	Code   string `json:"code"`
	Label  string `json:"label"`
}

// otpVerify checks a code and returns a short-lived token scoped to the
// mobile it proves.
func (s *Server) otpVerify(w http.ResponseWriter, r *http.Request) {
	var req otpVerifyRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	mobile, err := s.Codes.Check(r.Context(), req.Mobile, req.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secret, t, err := s.Tokens.IssueCitizen(r.Context(), mobile, req.Label)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	reply.JSON(w, http.StatusCreated, tokenCreated{Token: secret, ID: t.ID, Scope: t.Scope(), Expires: t.Expires.In(s.Location)})
}

// tokenInfo is a token as its owner or the administrator sees it: never
// the secret. A citizen's mobile is masked for the administrator.
type tokenInfo struct {
	ID      int64     `json:"id"`
	Scope   string    `json:"scope"`
	Label   string    `json:"label"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Current bool      `json:"current,omitempty"`
}

func (s *Server) tokenInfo(t grievance.APIToken, current int64, mask bool) tokenInfo {
	scope := t.Scope()
	if mask && t.Mobile != "" {
		scope = "citizen:" + grievance.MaskMobile(t.Mobile)
	}
	return tokenInfo{ID: t.ID, Scope: scope, Label: t.Label, Created: t.Created.In(s.Location), Expires: t.Expires.In(s.Location), Current: t.ID == current}
}

type tokenList struct {
	Tokens []tokenInfo `json:"tokens"`
}

func owner(t *grievance.APIToken) grievance.TokenOwner {
	return grievance.TokenOwner{UserID: t.UserID, Mobile: t.Mobile}
}

// tokenList lists the caller's own live tokens.
func (s *Server) tokenList(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r)
	list, err := s.Tokens.Store.Tokens(r.Context(), owner(c.token))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := tokenList{Tokens: []tokenInfo{}}
	for _, t := range list {
		out.Tokens = append(out.Tokens, s.tokenInfo(t, c.token.ID, false))
	}
	reply.JSON(w, http.StatusOK, out)
}

func by(c caller) string {
	if c.token.Mobile != "" {
		return "citizen"
	}
	return c.id.Actor.Login
}

// tokenRevokeCurrent signs the token it comes with out.
func (s *Server) tokenRevokeCurrent(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r)
	if err := s.Tokens.Store.RevokeToken(r.Context(), owner(c.token), c.token.ID, by(c)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// tokenRevoke revokes another of the caller's own tokens (a lost phone).
func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.not_found"))
		return
	}
	if err := s.Tokens.Store.RevokeToken(r.Context(), owner(c.token), id, by(c)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// adminTokens lists every live token for an administrator.
func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r)
	list, err := s.Tokens.Store.AdminTokens(r.Context(), c.id.Actor, 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := tokenList{Tokens: []tokenInfo{}}
	for _, t := range list {
		out.Tokens = append(out.Tokens, s.tokenInfo(t, c.token.ID, true))
	}
	reply.JSON(w, http.StatusOK, out)
}

// adminTokenRevoke revokes any token; the store records it in the audit log.
func (s *Server) adminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.not_found"))
		return
	}
	if err := s.Tokens.Store.AdminRevokeToken(r.Context(), c.id.Actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

package web

import (
	"context"
	"net/http"
	"strconv"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// APIAccess is what the administrator's API page needs: Open311 keys and
// the REST API's live tokens. Every change is audited by the store.
type APIAccess interface {
	grievance.Open311KeyService
	AdminTokens(ctx context.Context, actor grievance.Actor, limit int) ([]grievance.APIToken, error)
	AdminRevokeToken(ctx context.Context, actor grievance.Actor, id int64) error
}

// apiView is the administrator's page of API access.
type apiView struct {
	Notice string
	NewKey string // shown once, right after it is issued
	Keys   []grievance.Open311Key
	Tokens []tokenRow
}

type tokenRow struct {
	grievance.APIToken
	Who string // the account's login, or the masked mobile
}

// adminAPI lists the Open311 keys (issue, revoke) and the live API tokens
// (revoke).
func (s *Server) adminAPI(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	v := apiView{}
	switch d := r.URL.Query().Get("done"); d {
	case "key_revoked", "token_revoked":
		v.Notice = s.Catalogue.T(s.newPage(r, nil).Lang, "admin.api.done_"+d)
	}
	s.showAPI(w, r, v, nil)
}

func (s *Server) showAPI(w http.ResponseWriter, r *http.Request, v apiView, err error) {
	id := identityFrom(r)
	p := s.newPage(r, id)
	p.Title = p.T("admin.api.title")
	keys, lerr := s.APIAccess.Open311Keys(r.Context(), id.Actor)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	tokens, lerr := s.APIAccess.AdminTokens(r.Context(), id.Actor, 500)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	v.Keys = keys
	for _, t := range tokens {
		row := tokenRow{APIToken: t, Who: grievance.MaskMobile(t.Mobile)}
		if t.Mobile == "" {
			row.Who = "#" + strconv.FormatInt(t.UserID, 10)
			if u, err := s.Auth.Users.User(r.Context(), t.UserID); err == nil {
				row.Who = u.Login
			}
		}
		v.Tokens = append(v.Tokens, row)
	}
	p.Data, p.Form = v, r.PostForm
	if err != nil {
		s.formFail(w, r, "admin_api", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_api", p)
}

// adminAPIKeyIssue issues an Open311 key (POST /admin/api/keys). The key is
// shown once on the answer; only its hash is kept.
func (s *Server) adminAPIKeyIssue(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	key := "o311_" + auth.NewToken()
	k := &grievance.Open311Key{Name: r.PostFormValue("name"), Hash: auth.TokenID(key), Prefix: key[:9]}
	if err := s.APIAccess.AdminCreateOpen311Key(r.Context(), identityFrom(r).Actor, k); err != nil {
		s.showAPI(w, r, apiView{}, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.showAPI(w, r, apiView{NewKey: key}, nil)
}

// adminAPIKeyRevoke revokes an Open311 key (POST /admin/api/keys/{id}/revoke).
func (s *Server) adminAPIKeyRevoke(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = s.APIAccess.AdminRevokeOpen311Key(r.Context(), identityFrom(r).Actor, id)
	} else {
		err = grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	if err != nil {
		s.showAPI(w, r, apiView{}, err)
		return
	}
	redirect(w, r, "/admin/api?done=key_revoked")
}

// adminAPITokenRevoke revokes an API token (POST /admin/api/tokens/{id}/revoke).
func (s *Server) adminAPITokenRevoke(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = s.APIAccess.AdminRevokeToken(r.Context(), identityFrom(r).Actor, id)
	} else {
		err = grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	if err != nil {
		s.showAPI(w, r, apiView{}, err)
		return
	}
	redirect(w, r, "/admin/api?done=token_revoked")
}

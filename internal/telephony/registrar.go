package telephony

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"nivaran/internal/grievance"
)

// HA1 is the digest secret of user in realm: what the store keeps instead
// of the password.
func HA1(user, realm, password string) string {
	return md5hex(user + ":" + realm + ":" + password)
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// nonce returns a stateless digest nonce: the time and its HMAC, so that
// no challenge needs remembering and a forged or stale nonce is refused.
func (s *Server) nonce(now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 16)
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(ts))
	return ts + "." + hex.EncodeToString(m.Sum(nil)[:12])
}

func (s *Server) nonceValid(n string, now time.Time) bool {
	ts, _, ok := strings.Cut(n, ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(ts))
	want := ts + "." + hex.EncodeToString(m.Sum(nil)[:12])
	return subtle.ConstantTimeCompare([]byte(want), []byte(n)) == 1
}

// challenge is the WWW-Authenticate header of a 401.
func (s *Server) challenge(now time.Time) sip.Header {
	return sip.NewHeader("WWW-Authenticate",
		fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, s.cfg.Realm, s.nonce(now)))
}

// digestParams parses an Authorization header's "Digest k=v, k="v"" list.
func digestParams(h string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(h), "Digest ")
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimLeft(v, " ")
		if strings.HasPrefix(v, `"`) {
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				return nil, false
			}
			out[k], rest = v[1:1+end], v[2+end:]
		} else {
			end := strings.IndexByte(v, ',')
			if end < 0 {
				end = len(v)
			}
			out[k], rest = strings.TrimSpace(v[:end]), v[end:]
		}
	}
	return out, true
}

// digestOK checks an Authorization header against ha1 for method: the
// response must match and the nonce be ours and fresh.
func (s *Server) digestOK(h, method, user, ha1 string, now time.Time) bool {
	p, ok := digestParams(h)
	if !ok || !strings.EqualFold(p["username"], user) || p["realm"] != s.cfg.Realm || !s.nonceValid(p["nonce"], now) {
		return false
	}
	if a := p["algorithm"]; a != "" && !strings.EqualFold(a, "MD5") {
		return false
	}
	ha2 := md5hex(method + ":" + p["uri"])
	var want string
	if qop := p["qop"]; qop != "" {
		if qop != "auth" {
			return false
		}
		want = md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	} else {
		want = md5hex(ha1 + ":" + p["nonce"] + ":" + ha2)
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(p["response"]))) == 1
}

// onRegister is the registrar: digest against the agent's stored HA1,
// lockout after repeated wrong answers, bindings keyed on the To user
// (baresip adds a random suffix to its Contact user).
func (s *Server) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if !s.enter() {
		tx.Respond(sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil))
		return
	}
	defer s.wg.Done()
	respond := func(code int, reason string, hdrs ...sip.Header) {
		res := sip.NewResponseFromRequest(req, code, reason, nil)
		for _, h := range hdrs {
			res.AppendHeader(h)
		}
		if err := tx.Respond(res); err != nil {
			s.log.Debug("sip: register respond", "error", err)
		}
	}
	to := req.To()
	if to == nil || to.Address.User == "" {
		respond(400, "Bad Request")
		return
	}
	user := strings.ToLower(to.Address.User)
	now := s.now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ag, err := s.store.SIPAgent(ctx, user)
	var ge *grievance.Error
	switch {
	case errors.As(err, &ge) && ge.Code == grievance.ENotFound:
		ag = nil
	case err != nil:
		s.log.Error("sip: register: agent", "sip_user", user, "error", err)
		respond(500, "Server Error")
		return
	}
	if ag != nil && now.Before(ag.LockedUntil) {
		respond(403, "Locked")
		return
	}
	auth := req.GetHeader("Authorization")
	if auth == nil {
		respond(401, "Unauthorized", s.challenge(now))
		return
	}
	if ag == nil {
		respond(403, "Forbidden") // same as a wrong password: user names are not revealed
		return
	}
	if !s.digestOK(auth.Value(), "REGISTER", user, ag.HA1, now) {
		n, err := s.store.SIPAuthFailed(ctx, user, s.cfg.Lockout, now.Add(s.cfg.LockoutFor))
		if err != nil {
			s.log.Error("sip: register: count failure", "error", err)
		}
		s.log.Warn("sip: register: wrong credentials", "sip_user", user, "source", req.Source(), "failures", n)
		respond(403, "Forbidden")
		return
	}
	if ag.Failures > 0 {
		if err := s.store.SIPAuthSucceeded(ctx, user); err != nil {
			s.log.Error("sip: register: clear failures", "error", err)
		}
	}
	expires := 3600
	if h := req.GetHeader("Expires"); h != nil {
		if v, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil {
			expires = v
		}
	}
	c := req.Contact()
	if c != nil && c.Params != nil {
		if v, ok := c.Params.Get("expires"); ok {
			if e, err := strconv.Atoi(v); err == nil {
				expires = e
			}
		}
	}
	if c == nil || c.Address.Wildcard || expires <= 0 {
		s.unregister(user)
		respond(200, "OK")
		return
	}
	if expires > int(s.cfg.MaxExpires/time.Second) {
		expires = int(s.cfg.MaxExpires / time.Second)
	}
	contact := c.Address.Clone()
	if contact.UriParams != nil {
		if t, ok := contact.UriParams.Get("transport"); ok && !strings.EqualFold(t, "udp") {
			respond(400, "UDP only")
			return
		}
		contact.UriParams = nil
	}
	s.register(*ag, contact.String(), now.Add(time.Duration(expires)*time.Second))
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", contact.String(), expires)))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip: register respond", "error", err)
	}
}

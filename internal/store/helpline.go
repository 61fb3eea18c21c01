package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

var _ grievance.HelplineService = (*Store)(nil)

func joinLangs(ls []grievance.Lang) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ",")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

const sipAgentCols = `a.user_id, u.login, a.sip_user, a.ha1, a.languages, a.helplines, a.failures, a.locked_until`

func scanSIPAgent(r scanner) (*grievance.SIPAgent, error) {
	var a grievance.SIPAgent
	var langs, lines string
	var locked sql.NullInt64
	if err := r.Scan(&a.UserID, &a.Login, &a.SIPUser, &a.HA1, &langs, &lines, &a.Failures, &locked); err != nil {
		return nil, err
	}
	for _, l := range splitList(langs) {
		a.Languages = append(a.Languages, grievance.Lang(l))
	}
	a.Helplines = splitList(lines)
	a.LockedUntil = fromMsNull(locked)
	return &a, nil
}

// SetSIPAgent creates or replaces the phone account of a.UserID. EConflict
// when the SIP user name belongs to another user; ENotFound for an unknown
// user. It records nothing: the administrator's page goes through
// AdminIssuePhoneAccount.
func (s *Store) SetSIPAgent(ctx context.Context, a grievance.SIPAgent) error {
	err := s.write(ctx, func(w *wtx) error { return setSIPAgent(w, a) })
	return wrap("set sip agent", err)
}

func setSIPAgent(w *wtx, a grievance.SIPAgent) error {
	sipUser := strings.ToLower(strings.TrimSpace(a.SIPUser))
	var n int
	if err := w.QueryRowContext(w.ctx, "SELECT COUNT(*) FROM users WHERE id = ?", a.UserID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound()
	}
	var owner int64
	err := w.QueryRowContext(w.ctx, "SELECT user_id FROM sip_agents WHERE sip_user = ?", sipUser).Scan(&owner)
	switch {
	case err == nil && owner != a.UserID:
		return grievance.Errorf(grievance.EConflict, "error.sip_user_taken")
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = w.exec(`INSERT INTO sip_agents (user_id, sip_user, ha1, languages, helplines, failures, locked_until)
VALUES (?, ?, ?, ?, ?, 0, NULL) ON CONFLICT (user_id) DO UPDATE SET sip_user = excluded.sip_user, ha1 = excluded.ha1,
languages = excluded.languages, helplines = excluded.helplines, failures = 0, locked_until = NULL`,
		a.UserID, sipUser, a.HA1, joinLangs(a.Languages), strings.Join(a.Helplines, ","))
	return err
}

// auditPhoneAccount is a phone account as the audit log records it: never
// the secret's digest, nor the lockout state.
func auditPhoneAccount(a *grievance.SIPAgent) any {
	if a == nil {
		return nil
	}
	return struct {
		UserID    int64
		Login     string
		SIPUser   string
		Languages []grievance.Lang
		Helplines []string
	}{a.UserID, a.Login, a.SIPUser, a.Languages, a.Helplines}
}

// AdminIssuePhoneAccount issues or renews a phone account, creating the
// agent's account first when asked, with the audit entries in the same
// transaction: see grievance.HelplineService.
func (s *Store) AdminIssuePhoneAccount(ctx context.Context, actor grievance.Actor, newUser *grievance.User, a grievance.SIPAgent) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin issue phone account", err)
	}
	var created grievance.User
	login := ""
	if newUser != nil {
		if login = normLogin(newUser.Login); login == "" {
			return wrap("admin issue phone account", (grievance.FieldErrors{"login": "error.login_required"}).Err())
		}
	}
	now := s.clock()
	err := s.write(ctx, func(w *wtx) error {
		if newUser != nil {
			id, err := insertUser(w, newUser, login, now)
			if err != nil {
				return err
			}
			created = *newUser
			created.ID, created.Login = id, login
			a.UserID = id
			if err := s.insertAudit(w, actor, grievance.AuditUser, login, grievance.AuditCreate, nil, auditUser(&created)); err != nil {
				return err
			}
		}
		before, err := scanSIPAgent(w.QueryRowContext(w.ctx, "SELECT "+sipAgentCols+
			" FROM sip_agents a JOIN users u ON u.id = a.user_id WHERE a.user_id = ?", a.UserID))
		if errors.Is(err, sql.ErrNoRows) {
			before = nil
		} else if err != nil {
			return err
		}
		if err := setSIPAgent(w, a); err != nil {
			return err
		}
		after, err := scanSIPAgent(w.QueryRowContext(w.ctx, "SELECT "+sipAgentCols+
			" FROM sip_agents a JOIN users u ON u.id = a.user_id WHERE a.user_id = ?", a.UserID))
		if err != nil {
			return err
		}
		action := grievance.AuditCreate
		if before != nil {
			action = grievance.AuditRenew
		}
		return s.insertAudit(w, actor, grievance.AuditPhoneAccount, after.SIPUser, action, auditPhoneAccount(before), auditPhoneAccount(after))
	})
	if err != nil {
		return wrap("admin issue phone account", err)
	}
	if newUser != nil {
		newUser.ID, newUser.Login, newUser.Created = created.ID, login, now
	}
	return nil
}

// SIPAgent returns the phone account with SIP user name sipUser; ENotFound.
func (s *Store) SIPAgent(ctx context.Context, sipUser string) (*grievance.SIPAgent, error) {
	a, err := scanSIPAgent(s.rdb.QueryRowContext(ctx, "SELECT "+sipAgentCols+
		" FROM sip_agents a JOIN users u ON u.id = a.user_id WHERE a.sip_user = ?", strings.ToLower(sipUser)))
	if err != nil {
		return nil, wrap("sip agent", noRows(err))
	}
	return a, nil
}

// SIPAgents lists every phone account by SIP user name.
func (s *Store) SIPAgents(ctx context.Context) ([]grievance.SIPAgent, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+sipAgentCols+
		" FROM sip_agents a JOIN users u ON u.id = a.user_id ORDER BY a.sip_user")
	if err != nil {
		return nil, wrap("sip agents", err)
	}
	defer rows.Close()
	var out []grievance.SIPAgent
	for rows.Next() {
		a, err := scanSIPAgent(rows)
		if err != nil {
			return nil, wrap("sip agents", err)
		}
		out = append(out, *a)
	}
	return out, wrap("sip agents", rows.Err())
}

// SIPAuthFailed counts a wrong digest answer and locks the account until
// lockUntil when the count reaches limit. Unknown users count nothing.
func (s *Store) SIPAuthFailed(ctx context.Context, sipUser string, limit int, lockUntil time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(w *wtx) error {
		n = 0
		err := w.QueryRowContext(w.ctx, "SELECT failures FROM sip_agents WHERE sip_user = ?", strings.ToLower(sipUser)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		n++
		var locked any
		if limit > 0 && n >= limit {
			locked = ms(lockUntil)
		}
		_, err = w.exec("UPDATE sip_agents SET failures = ?, locked_until = COALESCE(?, locked_until) WHERE sip_user = ?",
			n, locked, strings.ToLower(sipUser))
		return err
	})
	return n, wrap("sip auth failed", err)
}

// SIPAuthSucceeded clears the failure count and any lock.
func (s *Store) SIPAuthSucceeded(ctx context.Context, sipUser string) error {
	err := s.write(ctx, func(w *wtx) error {
		_, err := w.exec("UPDATE sip_agents SET failures = 0, locked_until = NULL WHERE sip_user = ? AND (failures <> 0 OR locked_until IS NOT NULL)",
			strings.ToLower(sipUser))
		return err
	})
	return wrap("sip auth succeeded", err)
}

// AgentTransitioned stores a status change.
func (s *Store) AgentTransitioned(ctx context.Context, t grievance.AgentTransition) error {
	err := s.write(ctx, func(w *wtx) error {
		_, err := w.exec("INSERT INTO agent_transitions (user_id, from_status, to_status, reason, at) VALUES (?, ?, ?, ?, ?)",
			t.UserID, string(t.From), string(t.To), t.Reason, ms(t.At))
		return err
	})
	return wrap("agent transition", err)
}

// AgentTransitions returns userID's transitions since since, oldest first.
func (s *Store) AgentTransitions(ctx context.Context, userID int64, since time.Time) ([]grievance.AgentTransition, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT user_id, from_status, to_status, reason, at FROM agent_transitions
WHERE user_id = ? AND at >= ? ORDER BY at, id`, userID, ms(since))
	if err != nil {
		return nil, wrap("agent transitions", err)
	}
	defer rows.Close()
	var out []grievance.AgentTransition
	for rows.Next() {
		var t grievance.AgentTransition
		var from, to string
		var at int64
		if err := rows.Scan(&t.UserID, &from, &to, &t.Reason, &at); err != nil {
			return nil, wrap("agent transitions", err)
		}
		t.From, t.To, t.At = grievance.AgentStatus(from), grievance.AgentStatus(to), fromMs(at)
		out = append(out, t)
	}
	return out, wrap("agent transitions", rows.Err())
}

// SaveCall stores a finished call with its legs and sets c.ID.
func (s *Store) SaveCall(ctx context.Context, c *grievance.CallRecord) error {
	err := s.write(ctx, func(w *wtx) error {
		var id int64
		err := w.QueryRowContext(w.ctx, `INSERT INTO calls (sip_call_id, direction, helpline, did, caller, language, arrived,
queued, answered, ended, hung_up_by, outcome, agent_id, recording_key, recording_sha, recording_size, complaint)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.SIPCallID, c.Direction, c.Helpline, c.DID, c.Caller, string(c.Language), ms(c.Arrived), msNull(c.Queued),
			msNull(c.Answered), ms(c.Ended), c.HungUpBy, c.Outcome, idNull(c.AgentID), c.RecordingKey, c.RecordingSHA,
			c.RecordingSize, c.Complaint).Scan(&id)
		if err != nil {
			return err
		}
		for i, l := range c.Legs {
			if _, err := w.exec(`INSERT INTO call_legs (call_id, seq, role, party, user_id, offered, answered, ended, result)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i+1, l.Role, l.Party, idNull(l.UserID), ms(l.Offered), msNull(l.Answered),
				msNull(l.Ended), l.Result); err != nil {
				return err
			}
		}
		c.ID = id
		return nil
	})
	return wrap("save call", err)
}

const callCols = `id, sip_call_id, direction, helpline, did, caller, language, arrived, queued, answered, ended, hung_up_by,
outcome, agent_id, recording_key, recording_sha, recording_size, complaint`

func scanCall(r scanner) (*grievance.CallRecord, error) {
	var c grievance.CallRecord
	var lang string
	var arrived, ended int64
	var queued, answered, agent sql.NullInt64
	if err := r.Scan(&c.ID, &c.SIPCallID, &c.Direction, &c.Helpline, &c.DID, &c.Caller, &lang, &arrived, &queued, &answered,
		&ended, &c.HungUpBy, &c.Outcome, &agent, &c.RecordingKey, &c.RecordingSHA, &c.RecordingSize, &c.Complaint); err != nil {
		return nil, err
	}
	c.Language, c.Arrived, c.Queued, c.Answered, c.Ended = grievance.Lang(lang), fromMs(arrived), fromMsNull(queued),
		fromMsNull(answered), fromMs(ended)
	c.AgentID = agent.Int64
	return &c, nil
}

// Call returns a call record with its legs; ENotFound.
func (s *Store) Call(ctx context.Context, id int64) (*grievance.CallRecord, error) {
	c, err := scanCall(s.rdb.QueryRowContext(ctx, "SELECT "+callCols+" FROM calls WHERE id = ?", id))
	if err != nil {
		return nil, wrap("call", noRows(err))
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT role, party, user_id, offered, answered, ended, result FROM call_legs
WHERE call_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, wrap("call legs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l grievance.CallLeg
		var user, answered, ended sql.NullInt64
		var offered int64
		if err := rows.Scan(&l.Role, &l.Party, &user, &offered, &answered, &ended, &l.Result); err != nil {
			return nil, wrap("call legs", err)
		}
		l.UserID, l.Offered, l.Answered, l.Ended = user.Int64, fromMs(offered), fromMsNull(answered), fromMsNull(ended)
		c.Legs = append(c.Legs, l)
	}
	return c, wrap("call legs", rows.Err())
}

// Calls returns the calls that arrived in [from, to), newest first.
func (s *Store) Calls(ctx context.Context, from, to time.Time, limit int) ([]grievance.CallRecord, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+callCols+" FROM calls WHERE arrived >= ? AND arrived < ? ORDER BY arrived DESC, id DESC LIMIT ?",
		ms(from), ms(to), limit)
	if err != nil {
		return nil, wrap("calls", err)
	}
	defer rows.Close()
	var out []grievance.CallRecord
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, wrap("calls", err)
		}
		out = append(out, *c)
	}
	return out, wrap("calls", rows.Err())
}

// LinkCallComplaint links a call to a complaint number; ENotFound for an
// unknown call.
func (s *Store) LinkCallComplaint(ctx context.Context, callID int64, complaint string) error {
	err := s.write(ctx, func(w *wtx) error {
		return oneChanged(w.exec("UPDATE calls SET complaint = ? WHERE id = ?", complaint, callID))
	})
	return wrap("link call", err)
}

// AddCallback queues a call-back request and sets r.ID.
func (s *Store) AddCallback(ctx context.Context, r *grievance.CallbackRequest) error {
	err := s.write(ctx, func(w *wtx) error {
		return w.QueryRowContext(w.ctx, "INSERT INTO callback_requests (number, helpline, at) VALUES (?, ?, ?) RETURNING id",
			r.Number, r.Helpline, ms(r.At)).Scan(&r.ID)
	})
	return wrap("add callback", err)
}

// Callbacks lists the waiting call-back requests, oldest first.
func (s *Store) Callbacks(ctx context.Context, limit int) ([]grievance.CallbackRequest, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := s.rdb.QueryContext(ctx, "SELECT id, number, helpline, at FROM callback_requests WHERE done IS NULL ORDER BY at, id LIMIT ?", limit)
	if err != nil {
		return nil, wrap("callbacks", err)
	}
	defer rows.Close()
	var out []grievance.CallbackRequest
	for rows.Next() {
		var r grievance.CallbackRequest
		var at int64
		if err := rows.Scan(&r.ID, &r.Number, &r.Helpline, &at); err != nil {
			return nil, wrap("callbacks", err)
		}
		r.At = fromMs(at)
		out = append(out, r)
	}
	return out, wrap("callbacks", rows.Err())
}

// HelplineDay counts the inbound calls and missed-call requests since day.
func (s *Store) HelplineDay(ctx context.Context, day time.Time) (grievance.HelplineDay, error) {
	var d grievance.HelplineDay
	err := s.rdb.QueryRowContext(ctx, `SELECT
COALESCE(SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END), 0),
COALESCE(SUM(CASE WHEN outcome = 'abandoned' THEN 1 ELSE 0 END), 0)
FROM calls WHERE direction = 'in' AND arrived >= ?`, ms(day)).Scan(&d.Answered, &d.Abandoned)
	if err != nil {
		return d, wrap("helpline day", err)
	}
	err = s.rdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM callback_requests WHERE at >= ?", ms(day)).Scan(&d.Missed)
	return d, wrap("helpline day", err)
}

var _ grievance.RecordingService = (*Store)(nil)

// LogRecordingPlay stores a playback.
func (s *Store) LogRecordingPlay(ctx context.Context, p grievance.RecordingPlay) error {
	err := s.write(ctx, func(w *wtx) error {
		_, err := w.exec("INSERT INTO recording_plays (call_id, user_id, at, bytes) VALUES (?, ?, ?, ?)",
			p.CallID, p.UserID, ms(p.At), p.Bytes)
		return err
	})
	return wrap("log recording play", err)
}

// RecordingPlays lists a call's playbacks, newest first.
func (s *Store) RecordingPlays(ctx context.Context, callID int64) ([]grievance.RecordingPlay, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT call_id, user_id, at, bytes FROM recording_plays WHERE call_id = ? ORDER BY at DESC, id DESC", callID)
	if err != nil {
		return nil, wrap("recording plays", err)
	}
	defer rows.Close()
	var out []grievance.RecordingPlay
	for rows.Next() {
		var p grievance.RecordingPlay
		var at int64
		if err := rows.Scan(&p.CallID, &p.UserID, &at, &p.Bytes); err != nil {
			return nil, wrap("recording plays", err)
		}
		p.At = fromMs(at)
		out = append(out, p)
	}
	return out, wrap("recording plays", rows.Err())
}

// ExpireRecordings clears the recordings of calls that arrived before
// before (at most limit) and returns their blob keys.
func (s *Store) ExpireRecordings(ctx context.Context, before time.Time, limit int) ([]string, error) {
	var keys []string
	err := s.write(ctx, func(w *wtx) error {
		keys = keys[:0]
		rows, err := w.QueryContext(w.ctx, "SELECT id, recording_key FROM calls WHERE recording_key <> '' AND arrived < ? ORDER BY arrived LIMIT ?",
			ms(before), limit)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			var k string
			if err := rows.Scan(&id, &k); err != nil {
				rows.Close()
				return err
			}
			ids, keys = append(ids, id), append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := w.exec("UPDATE calls SET recording_key = '' WHERE id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	return keys, wrap("expire recordings", err)
}

// CallbackDone marks a call-back request done by user with call callID;
// ENotFound when it does not exist or is already done.
func (s *Store) CallbackDone(ctx context.Context, id, by, callID int64) error {
	err := s.write(ctx, func(w *wtx) error {
		return oneChanged(w.exec("UPDATE callback_requests SET done = ?, done_by = ?, call_id = ? WHERE id = ? AND done IS NULL",
			ms(s.clock()), by, idNull(callID), id))
	})
	return wrap("callback done", err)
}

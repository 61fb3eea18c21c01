package storetest

import (
	"strconv"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// testTokens: API tokens are found by hash only while live; expiry and
// revocation (by the owner, by an administrator with an audit entry) end
// them; an owner sees and revokes only their own.
func testTokens(t *testing.T, e *env) {
	u := &grievance.User{Login: "tok-officer", Name: "T", Roles: []grievance.Role{grievance.RoleOfficer}, Language: grievance.Hindi}
	if err := e.h.CreateUser(e.ctx, u); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	officer := &grievance.APIToken{Hash: "h-officer", UserID: u.ID, Label: "फ़ोन", Expires: now.Add(time.Hour)}
	citizen := &grievance.APIToken{Hash: "h-citizen", Mobile: mobileA, Label: "app", Expires: now.Add(30 * time.Minute)}
	other := &grievance.APIToken{Hash: "h-other", Mobile: mobileB, Label: "app", Expires: now.Add(30 * time.Minute)}
	for _, tk := range []*grievance.APIToken{officer, citizen, other} {
		if err := e.h.CreateToken(e.ctx, tk); err != nil {
			t.Fatalf("CreateToken(%s): %v", tk.Hash, err)
		}
		if tk.ID == 0 || !tk.Created.Equal(now) {
			t.Fatalf("CreateToken set ID %d, Created %v", tk.ID, tk.Created)
		}
	}
	bad := []grievance.APIToken{
		{Hash: "", UserID: u.ID, Expires: now.Add(time.Hour)},
		{Hash: "both", UserID: u.ID, Mobile: mobileA, Expires: now.Add(time.Hour)},
		{Hash: "neither", Expires: now.Add(time.Hour)},
		{Hash: "past", Mobile: mobileA, Expires: now},
	}
	for _, b := range bad {
		if err := e.h.CreateToken(e.ctx, &b); grievance.ErrorCode(err) != grievance.EInvalid {
			t.Errorf("CreateToken(%+v) = %v, want invalid", b, err)
		}
	}
	if err := e.h.CreateToken(e.ctx, &grievance.APIToken{Hash: "ghost", UserID: 999999, Expires: now.Add(time.Hour)}); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Errorf("token of an unknown user: %v, want not_found", err)
	}
	if err := e.h.CreateToken(e.ctx, &grievance.APIToken{Hash: "h-officer", UserID: u.ID, Expires: now.Add(time.Hour)}); err == nil {
		t.Errorf("a second token with the same hash was stored")
	}

	got, err := e.h.Token(e.ctx, "h-officer")
	if err != nil || got.UserID != u.ID || got.Mobile != "" || got.Label != "फ़ोन" || got.Scope() != "user:"+itoa(u.ID) {
		t.Fatalf("Token(officer) = %+v, %v", got, err)
	}
	if got, err := e.h.Token(e.ctx, "h-citizen"); err != nil || got.Scope() != "citizen:"+mobileA {
		t.Fatalf("Token(citizen) = %+v, %v", got, err)
	}
	if _, err := e.h.Token(e.ctx, "nope"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("unknown hash: %v", err)
	}

	// Owners list and revoke their own only.
	list, err := e.h.Tokens(e.ctx, grievance.TokenOwner{Mobile: mobileA})
	if err != nil || len(list) != 1 || list[0].ID != citizen.ID {
		t.Fatalf("Tokens(citizen A) = %+v, %v", list, err)
	}
	if err := e.h.RevokeToken(e.ctx, grievance.TokenOwner{Mobile: mobileB}, citizen.ID, "citizen"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("citizen B revoked A's token: %v", err)
	}
	if err := e.h.RevokeToken(e.ctx, grievance.TokenOwner{UserID: u.ID}, citizen.ID, "tok-officer"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("an officer revoked a citizen's token: %v", err)
	}
	if err := e.h.RevokeToken(e.ctx, grievance.TokenOwner{Mobile: mobileA}, citizen.ID, "citizen"); err != nil {
		t.Fatalf("owner revoke: %v", err)
	}
	if _, err := e.h.Token(e.ctx, "h-citizen"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("revoked token still found: %v", err)
	}
	if err := e.h.RevokeToken(e.ctx, grievance.TokenOwner{Mobile: mobileA}, citizen.ID, "citizen"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("second revoke: %v", err)
	}

	// The administrator sees every live token and revokes any, audited.
	if _, err := e.h.AdminTokens(e.ctx, control, 0); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("AdminTokens by a supervisor: %v", err)
	}
	all, err := e.h.AdminTokens(e.ctx, admin, 0)
	if err != nil || len(all) != 2 || all[0].ID != other.ID || all[1].ID != officer.ID {
		t.Fatalf("AdminTokens = %+v, %v", all, err)
	}
	if err := e.h.AdminRevokeToken(e.ctx, control, officer.ID); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("AdminRevokeToken by a supervisor: %v", err)
	}
	n := len(e.audit())
	if err := e.h.AdminRevokeToken(e.ctx, admin, officer.ID); err != nil {
		t.Fatal(err)
	}
	a := e.wantOneAudit(n, grievance.AuditAPIToken, itoa(officer.ID), grievance.AuditRevoke)
	if field(t, a.After, "scope") != "user:"+itoa(u.ID) || a.Before == a.After {
		t.Fatalf("audit entry %+v", a)
	}
	if _, err := e.h.Token(e.ctx, "h-officer"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("token revoked by the admin still found: %v", err)
	}
	if err := e.h.AdminRevokeToken(e.ctx, admin, officer.ID); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("revoking twice: %v", err)
	}

	// Expiry by the store's clock.
	e.clock.Advance(31 * time.Minute)
	if _, err := e.h.Token(e.ctx, "h-other"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("expired token found: %v", err)
	}
	if list, _ := e.h.Tokens(e.ctx, grievance.TokenOwner{Mobile: mobileB}); len(list) != 0 {
		t.Fatalf("expired token listed: %+v", list)
	}
}

// testOpen311Keys: keys are issued and revoked by administrators only,
// each change audited, and found by hash only while usable.
func testOpen311Keys(t *testing.T, e *env) {
	k := &grievance.Open311Key{Name: "  नगर ऐप  ", Hash: "kh1", Prefix: "o311_ab"}
	if err := e.h.AdminCreateOpen311Key(e.ctx, control, k); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("key issued by a supervisor: %v", err)
	}
	if err := e.h.AdminCreateOpen311Key(e.ctx, admin, &grievance.Open311Key{Name: " ", Hash: "x"}); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("key without a name: %v", err)
	}
	n := len(e.audit())
	if err := e.h.AdminCreateOpen311Key(e.ctx, admin, k); err != nil {
		t.Fatal(err)
	}
	a := e.wantOneAudit(n, grievance.AuditOpen311Key, itoa(k.ID), grievance.AuditCreate)
	if field(t, a.After, "name") != "नगर ऐप" || field(t, a.After, "prefix") != "o311_ab" {
		t.Fatalf("audit after = %s", a.After)
	}
	got, err := e.h.Open311Key(e.ctx, "kh1")
	if err != nil || got.ID != k.ID || got.Name != "नगर ऐप" || got.CreatedBy != "admin" {
		t.Fatalf("Open311Key = %+v, %v", got, err)
	}
	k2 := &grievance.Open311Key{Name: "NGO", Hash: "kh2", Prefix: "o311_cd"}
	if err := e.h.AdminCreateOpen311Key(e.ctx, admin, k2); err != nil {
		t.Fatal(err)
	}
	if err := e.h.AdminRevokeOpen311Key(e.ctx, control, k.ID); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("key revoked by a supervisor: %v", err)
	}
	n = len(e.audit())
	if err := e.h.AdminRevokeOpen311Key(e.ctx, admin, k.ID); err != nil {
		t.Fatal(err)
	}
	e.wantOneAudit(n, grievance.AuditOpen311Key, itoa(k.ID), grievance.AuditRevoke)
	if _, err := e.h.Open311Key(e.ctx, "kh1"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("revoked key still usable: %v", err)
	}
	if err := e.h.AdminRevokeOpen311Key(e.ctx, admin, k.ID); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("revoking twice: %v", err)
	}
	keys, err := e.h.Open311Keys(e.ctx, admin)
	if err != nil || len(keys) != 2 || keys[0].ID != k2.ID || keys[1].ID != k.ID || keys[1].Revoked.IsZero() {
		t.Fatalf("Open311Keys = %+v, %v (usable first)", keys, err)
	}
	if _, err := e.h.Open311Keys(e.ctx, control); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("keys listed for a supervisor: %v", err)
	}
}

// testSearchCreated: the filing-time bounds select [from, to).
func testSearchCreated(t *testing.T, e *env) {
	first := e.MustFile(newComplaint("road", "w1"))
	e.clock.Advance(time.Hour)
	second := e.MustFile(newComplaint("road", "w1"))
	e.clock.Advance(time.Hour)
	third := e.MustFile(newComplaint("road", "w1"))
	got := e.all(grievance.ComplaintFilter{CreatedFrom: second.Created, CreatedTo: third.Created, Order: grievance.OrderRecent})
	if len(got) != 1 || got[0].Number != second.Number {
		t.Fatalf("[second, third) = %d complaints, want only %s", len(got), second.Number)
	}
	got = e.all(grievance.ComplaintFilter{CreatedTo: second.Created, Order: grievance.OrderRecent})
	if len(got) != 1 || got[0].Number != first.Number {
		t.Fatalf("before second = %d complaints, want only %s", len(got), first.Number)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

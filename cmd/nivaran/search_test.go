package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestSearchBox: the control room's list and the officer's inbox find
// complaints by words of the description (Hindi with matras and
// conjuncts), by mobile and by number.
func TestSearchBox(t *testing.T) {
	m := MustRunMain(t, "", nil)
	api := newClient(t, m)
	farmers := fileJSON(t, api, map[string]any{"description": "किसानों के खेत के पास कूड़े का ढेर", "mobile": "9811122233"})["number"].(string)
	other := fileJSON(t, api, map[string]any{"description": "क्षेत्र में कूड़ा नहीं उठा"})["number"].(string)
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	officer := newClient(t, m)
	officer.login("mun-l1", testDemoPassword)
	tests := []struct {
		c          *client
		path, q    string
		want, not_ string
	}{
		{admin, "/control", "किसान", farmers, other},
		{admin, "/control", "क्षेत्र", other, farmers},
		{admin, "/control", "98111", farmers, other},
		{admin, "/control", other, other, farmers},
		{officer, "/officer", "किसानों", farmers, other},
		{officer, "/officer", "क्षेत्र कूड़ा", other, farmers},
	}
	for _, tt := range tests {
		r := tt.c.get(tt.path + "?q=" + url.QueryEscape(tt.q))
		if r.Status != 200 || !strings.Contains(r.Body, tt.want) || strings.Contains(r.Body, tt.not_) {
			t.Errorf("%s?q=%s: %d, want %s listed and not %s", tt.path, tt.q, r.Status, tt.want, tt.not_)
		}
		if !strings.Contains(r.Body, `value="`+tt.q+`"`) {
			t.Errorf("%s?q=%s: the box does not keep the query", tt.path, tt.q)
		}
	}
	// Anything typed is safe: no 5xx.
	for _, q := range []string{"'", `"*`, "a AND OR NOT (", "\\", strings.Repeat("क्ष", 500), ":*&|!"} {
		if r := admin.get("/control?q=" + url.QueryEscape(q)); r.Status != 200 {
			t.Errorf("/control?q=%.20s: %d", q, r.Status)
		}
	}
}

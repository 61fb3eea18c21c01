package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// otpFromOutbox waits for the newest one-time-code SMS to mobile and
// returns its code, as the citizen would read it off the phone.
func otpFromOutbox(t *testing.T, m *Main, mobile string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := m.Store.Messages(context.Background(), mobile, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range msgs {
			if msg.Event == "otp" {
				if c := codeRE.FindStringSubmatch(msg.Text); c != nil {
					return c[1]
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no one-time code sent to %s", mobile)
	return ""
}

// TestMyComplaints: a citizen proves their number with a code by SMS and
// then sees every complaint filed from it, and only those.
func TestMyComplaints(t *testing.T) {
	m := MustRunMain(t, "", nil)
	api := newClient(t, m)
	mine1 := fileJSON(t, api, map[string]any{"mobile": "9811111111"})["number"].(string)
	mine2 := fileJSON(t, api, map[string]any{"mobile": "9811111111", "category": "jal-leakage"})["number"].(string)
	other := fileJSON(t, api, map[string]any{"mobile": "9822222222"})["number"].(string)

	c := newClient(t, m)
	ask := c.get("/my")
	if !strings.Contains(ask.Body, "कोड भेजें") {
		t.Fatal("no code form at /my")
	}
	r := c.postForm("/my/code", url.Values{"csrf": {csrf(t, ask.Body)}, "mobile": {"98111 11111"}})
	if r.Status != 303 || r.Location != "/my/verify" {
		t.Fatalf("send code: %d %q\n%.500s", r.Status, r.Location, r.Body)
	}
	code := otpFromOutbox(t, m, "9811111111")
	verify := c.get("/my/verify")
	if !strings.Contains(verify.Body, "xxxxxx1111") {
		t.Error("verify page does not show the masked number")
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	r = c.postForm("/my/verify", url.Values{"csrf": {csrf(t, verify.Body)}, "code": {wrong}})
	if r.Status != 422 || !strings.Contains(r.Body, "कोड गलत है") {
		t.Fatalf("wrong code: %d", r.Status)
	}
	r = c.postForm("/my/verify", url.Values{"csrf": {csrf(t, verify.Body)}, "code": {code}})
	if r.Status != 303 || r.Location != "/my" {
		t.Fatalf("right code: %d %q", r.Status, r.Location)
	}
	list := c.get("/my")
	if !strings.Contains(list.Body, mine1) || !strings.Contains(list.Body, mine2) {
		t.Errorf("list lacks the citizen's complaints")
	}
	if strings.Contains(list.Body, other) {
		t.Errorf("list shows another number's complaint")
	}
	// The link on the list opens the complaint's page.
	link := regexp.MustCompile(`href="(/c/` + mine1 + `\?t=[0-9a-f]+)"`).FindStringSubmatch(list.Body)
	if link == nil || c.get(link[1]).Status != 200 {
		t.Errorf("no working link to %s", mine1)
	}
	// The code is single use: a second browser cannot reuse it.
	c2 := newClient(t, m)
	ask2 := c2.get("/my")
	c2.postForm("/my/code", url.Values{"csrf": {csrf(t, ask2.Body)}, "mobile": {"9822222222"}})
	v2 := c2.get("/my/verify")
	if r := c2.postForm("/my/verify", url.Values{"csrf": {csrf(t, v2.Body)}, "code": {code}}); r.Status == 303 && otpFromOutbox(t, m, "9822222222") != code {
		t.Error("another number's code was accepted")
	}
	// A forged cookie shows nothing.
	c3 := newClient(t, m)
	c3.http.Jar.SetCookies(mustURL(m.URL()+"/my"), []*http.Cookie{{Name: "nv_mine", Value: "9811111111.9999999999.00000000000000000000000000000000", Path: "/my"}})
	if r := c3.get("/my"); strings.Contains(r.Body, mine1) {
		t.Error("a forged cookie listed complaints")
	}
}

// TestOTPLimits: codes per number are limited; wrong codes void a code.
func TestOTPLimits(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	send := func() response {
		ask := c.get("/my")
		return c.postForm("/my/code", url.Values{"csrf": {csrf(t, ask.Body)}, "mobile": {"9833333333"}})
	}
	for i := range 3 {
		if r := send(); r.Status != 303 {
			t.Fatalf("code %d: %d", i+1, r.Status)
		}
	}
	if r := send(); r.Status != 429 || !strings.Contains(r.Body, "15 मिनट") {
		t.Fatalf("4th code within 15 minutes: %d, want 429", r.Status)
	}
	code := otpFromOutbox(t, m, "9833333333")
	v := c.get("/my/verify")
	for range 5 {
		c.postForm("/my/verify", url.Values{"csrf": {csrf(t, v.Body)}, "code": {"999999"}})
	}
	if code != "999999" {
		if r := c.postForm("/my/verify", url.Values{"csrf": {csrf(t, v.Body)}, "code": {code}}); r.Status == 303 {
			t.Error("the right code worked after 5 wrong tries")
		}
	}
	msgs, _ := m.Store.Messages(context.Background(), "9833333333", 50)
	n := 0
	for _, msg := range msgs {
		if msg.Event == "otp" && msg.Status != grievance.MsgFailed {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d code messages, want 3", n)
	}
}

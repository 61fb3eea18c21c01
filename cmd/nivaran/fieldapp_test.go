package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"nivaran/internal/grievance"
)

// TestFieldAppFiles: the service worker is served from the root with the
// headers a worker needs, both manifests name the app in the page's
// language with icons that exist at their stated sizes, and the offline
// page speaks both languages.
func TestFieldAppFiles(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	sw := c.get("/sw.js")
	if sw.Status != 200 || !strings.HasPrefix(sw.Header.Get("Content-Type"), "text/javascript") ||
		sw.Header.Get("Cache-Control") != "no-cache" || sw.Header.Get("Service-Worker-Allowed") != "/" {
		t.Fatalf("sw.js: %d %v", sw.Status, sw.Header)
	}
	for _, want := range []string{`importScripts("/static/queue.`, `"/offline"`, "/static/app."} {
		if !strings.Contains(sw.Body, want) {
			t.Errorf("sw.js lacks %q", want)
		}
	}
	if sw.Header.Get("Content-Security-Policy") == "" {
		t.Error("sw.js without the CSP")
	}
	for _, tt := range []struct{ path, name, scope string }{
		{"/officer/app.webmanifest?lang=hi", "निवारण फ़ील्ड — अधिकारी", "/officer"},
		{"/officer/app.webmanifest?lang=en", "Nivaran Field — officers", "/officer"},
		{"/manifest.webmanifest?lang=hi", "निवारण — जन शिकायत", "/"},
		{"/manifest.webmanifest", "निवारण — जन शिकायत", "/"},
		{"/manifest.webmanifest?lang=en", "Nivaran — public grievances", "/"},
	} {
		r := c.get(tt.path)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/manifest+json") {
			t.Fatalf("%s: %d %s", tt.path, r.Status, r.Header.Get("Content-Type"))
		}
		var mf struct {
			Name, ShortName, StartURL, Scope, Display, Description string
			Icons                                                  []struct{ Src, Sizes, Type, Purpose string }
		}
		if err := json.Unmarshal([]byte(strings.NewReplacer(`"short_name"`, `"ShortName"`, `"start_url"`, `"StartURL"`).Replace(r.Body)), &mf); err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if mf.Name != tt.name || mf.Scope != tt.scope || mf.StartURL != tt.scope || mf.Display != "standalone" || mf.ShortName == "" {
			t.Errorf("%s: %+v, want %q with scope %s", tt.path, mf, tt.name, tt.scope)
		}
		maskable := false
		for _, ic := range mf.Icons {
			img := c.get(ic.Src)
			cfg, err := png.DecodeConfig(bytes.NewReader([]byte(img.Body)))
			if img.Status != 200 || err != nil || ic.Sizes != itoa(int64(cfg.Width))+"x"+itoa(int64(cfg.Height)) {
				t.Errorf("icon %s (%s): %d %v %dx%d", ic.Src, ic.Sizes, img.Status, err, cfg.Width, cfg.Height)
			}
			if !strings.Contains(img.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("icon %s is not cached for long", ic.Src)
			}
			maskable = maskable || ic.Purpose == "maskable"
		}
		if len(mf.Icons) < 2 || !maskable {
			t.Errorf("%s: icons %+v, want 192, 512 and a maskable one", tt.path, mf.Icons)
		}
	}
	off := c.get("/offline")
	if off.Status != 200 || !strings.Contains(off.Body, "नेटवर्क नहीं है") || !strings.Contains(off.Body, "There is no connection") {
		t.Errorf("offline page: %d", off.Status)
	}
	home := c.get("/")
	if !strings.Contains(home.Body, `<link rel="manifest" href="/manifest.webmanifest?lang=hi">`) || strings.Contains(home.Body, "nivaran-user") {
		t.Error("the citizen portal does not link its manifest, or names a user")
	}
}

// TestReportFormKey: without JavaScript, the officer's report form carries
// a key made for that page; the form sent twice (a double tap, a resend
// after a lost answer) is one report and one SMS; a new page has a new key.
func TestReportFormKey(t *testing.T) {
	m := MustRunMain(t, "", nil)
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	o := newClient(t, m)
	o.login("mun-l1", testDemoPassword)
	keyRE := regexp.MustCompile(`name="key" value="([^"]+)"`)
	page := o.get("/officer/complaints/" + number)
	k := keyRE.FindStringSubmatch(page.Body)
	if k == nil {
		t.Fatal("the report form has no key")
	}
	if k2 := keyRE.FindStringSubmatch(o.get("/officer/complaints/" + number).Body); k2 == nil || k2[1] == k[1] {
		t.Fatal("two renders of the form share a key")
	}
	if !strings.Contains(page.Body, `<meta name="nivaran-user" content="mun-l1">`) {
		t.Error("the officer's page does not name its user for the offline queue")
	}
	form := url.Values{"csrf": {csrf(t, page.Body)}, "key": {k[1]}, "note": {"नाली साफ़ कर दी गई।"}, "lat": {"26.8468"}, "long": {"80.9463"}}
	for i := 0; i < 3; i++ {
		r := o.postMultipart("/officer/complaints/"+number+"/report", form, file{"photo", "site.png", pngImage(t)})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("send %d: %d\n%.500s", i+1, r.Status, r.Body)
		}
	}
	evs, err := m.Store.History(context.Background(), grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == grievance.ActReport {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("report events after the form was sent three times = %d, want 1", n)
	}
	c, _ := m.Store.Complaint(context.Background(), grievance.SystemActor, number)
	msgs := 0
	all, _ := m.Store.Messages(context.Background(), c.Mobile, 50)
	for _, msg := range all {
		if msg.ComplaintID == c.ID && strings.Contains(msg.Event, "resolved") {
			msgs++
		}
	}
	if msgs != 1 {
		t.Errorf("resolution SMS to the citizen = %d, want 1", msgs)
	}
	// A key too long is refused with a message, and nothing changes.
	other := fileJSON(t, newClient(t, m), map[string]any{"mobile": "9811111111"})["number"].(string)
	p2 := o.get("/officer/complaints/" + other)
	r := o.postForm("/officer/complaints/"+other+"/note", url.Values{"csrf": {csrf(t, p2.Body)}, "note": {"x"}, "key": {strings.Repeat("k", 300)}})
	if r.Status != 422 {
		t.Errorf("a key of 300 characters: %d, want 422", r.Status)
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
)

// phoneNet is a phone's connection in a browser test.
type phoneNet struct {
	t       *testing.T
	ctx     context.Context
	workers map[target.ID]context.Context // sessions on the service workers, kept: emulation lasts as long as its session
}

func newPhoneNet(t *testing.T, ctx context.Context) *phoneNet {
	return &phoneNet{t: t, ctx: ctx, workers: map[target.ID]context.Context{}}
}

// set cuts the browser's connection (the page's and the service workers'
// requests, and navigator.onLine) or gives it back, as a phone losing its
// signal does.
func (n *phoneNet) set(offline bool) {
	t := n.t
	t.Helper()
	p := network.EmulateNetworkConditionsByRuleParams{EmulateOfflineServiceWorker: &offline,
		MatchedNetworkConditions: []*network.Conditions{}}
	if offline {
		p.MatchedNetworkConditions = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
	}
	if _, err := chromedp.Call(n.ctx, network.EmulateNetworkConditionsByRule, p); err != nil {
		t.Fatal(err)
	}
	// A service worker is a target of its own: its requests are cut there.
	targets, err := chromedp.Targets(n.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range targets {
		if ti.Type == "service_worker" && n.workers[ti.TargetID] == nil {
			n.workers[ti.TargetID], _ = chromedp.NewContext(n.ctx, chromedp.WithTargetID(ti.TargetID))
		}
	}
	for _, wctx := range n.workers {
		if _, err := chromedp.Call(wctx, network.EmulateNetworkConditionsByRule, p); err != nil {
			t.Fatalf("service worker offline=%v: %v", offline, err)
		}
	}
	if _, err := chromedp.Call(n.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline,
		DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatal(err)
	}
}

// logConsole copies the page's console errors and exceptions into the
// test log.
func logConsole(t *testing.T, ctx context.Context) {
	chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			t.Logf("page exception: %s %v", e.ExceptionDetails.Text, e.ExceptionDetails.Exception)
		case *cdpruntime.EventConsoleAPICalled:
			for _, a := range e.Args {
				t.Logf("console.%s: %s %s", e.Type, a.Value, a.Description)
			}
		}
	})
}

// waitJS polls a JavaScript condition until it is true.
func waitJS(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " online=" + navigator.onLine + " " + (document.querySelector("[data-queue]") || {}).outerHTML + " " + document.querySelector("main").innerText.slice(0, 400)`))
	t.Fatalf("waited 30 s for %s; page: %s", what, state)
}

// waitControlled waits until the service worker controls the page; a page
// that loaded while the worker was still activating is loaded again (as a
// person would, the next time).
func waitControlled(t *testing.T, ctx context.Context) {
	t.Helper()
	for try := 0; try < 2; try++ {
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.serviceWorker.controller !== null`)); err == nil && ok {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the service worker never controlled the page")
}

// bigPhoto writes a 2400×1800 PNG, as a phone's camera would give
// (larger than the app sends).
func bigPhoto(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2400, 1800))
	for y := 0; y < 1800; y += 3 {
		for x := 0; x < 2400; x += 3 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "site.png")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func reports(t *testing.T, m *Main, number string) []grievance.Event {
	t.Helper()
	evs, err := m.Store.History(context.Background(), grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	var out []grievance.Event
	for _, e := range evs {
		if e.Kind == grievance.ActReport {
			out = append(out, e)
		}
	}
	return out
}

// TestBrowserFieldAppOffline: the officer's console installs as an app;
// the inbox and a complaint opened before stay readable without a
// connection; an action-taken report with a photo made offline waits on
// the phone (the page says so, in Hindi), and reaches the server exactly
// once when the connection returns, its photo made smaller on the phone.
func TestBrowserFieldAppOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	m := MustRunMain(t, "", nil)
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	ctx := newBrowser(t, true)
	logConsole(t, ctx)
	net := newPhoneNet(t, ctx)
	base := m.URL()
	photo := bigPhoto(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/officer"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "mun-l1"), chromedp.SendKeys(chromedp.CSS("#password"), testDemoPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(".cards")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitControlled(t, ctx)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".cards"))); err != nil {
		t.Fatal(err)
	}
	inst, err := chromedp.Call(ctx, page.GetInstallabilityErrors, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inst.InstallabilityErrors {
		t.Errorf("not installable: %s", e.ErrorID)
	}
	name, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("link[rel=manifest]").href).then(r => r.json()).then(m => m.name + "|" + m.scope)`, chromedp.EvalAwaitPromise))
	if err != nil || name != "निवारण फ़ील्ड — अधिकारी|/officer" {
		t.Errorf("manifest name|scope = %q (%v)", name, err)
	}

	// Online: the inbox and the complaint are opened once.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/officer"), chromedp.WaitVisible(chromedp.CSS(".cards")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/officer/complaints/%s"]`, number))),
		chromedp.WaitVisible(chromedp.CSS("#actions")),
	)
	if err != nil {
		t.Fatal(err)
	}

	// The signal goes. What was opened is still there.
	net.set(true)
	if on, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.onLine`)); on {
		t.Fatal("navigator.onLine is still true")
	}
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/officer"), chromedp.WaitVisible(chromedp.CSS(".cards")))
	if err != nil {
		t.Fatalf("inbox offline: %v", err)
	}
	if inbox := text(ctx, t, ".cards"); !strings.Contains(inbox, number) {
		t.Fatalf("offline inbox lacks %s: %s", number, inbox)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/offline-never-seen"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h := text(ctx, t, "h1"); h != "नेटवर्क नहीं है" && h != "No connection" {
		t.Errorf("a page never opened, offline: heading %q, want the offline page", h)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/officer/complaints/"+number), chromedp.WaitVisible(chromedp.CSS("#actions")),
		chromedp.SendKeys(chromedp.CSS("#report-note"), "नाली साफ़ कर दी गई।"),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		chromedp.SetValue(chromedp.CSS("#lat"), "26.8468"), chromedp.SetValue(chromedp.CSS("#long"), "80.9463"),
		chromedp.Click(chromedp.CSS(`form[action$="/report"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the waiting message", `!document.querySelector("[data-queue]").hidden`)
	if q := text(ctx, t, "[data-queue-text]"); !strings.HasPrefix(q, "1 रिपोर्ट भेजी जानी बाकी है।") {
		t.Errorf("waiting message %q", q)
	}
	axeCheck(t, ctx, axe, "complaint with a report waiting (offline)")
	if n := len(reports(t, m, number)); n != 0 {
		t.Fatalf("%d reports reached the server while offline", n)
	}
	// Still offline, the page opened again still says it waits.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("[data-queue-text]"))); err != nil {
		t.Fatal(err)
	}

	// The signal returns: the report goes, once.
	net.set(false)
	waitJS(t, ctx, "the queue to empty", `document.querySelector("[data-queue]").hidden && document.querySelector("[data-queue]").dataset.waiting === "0"`)
	got := reports(t, m, number)
	if len(got) != 1 {
		t.Fatalf("report events on the server = %d, want exactly 1", len(got))
	}
	if got[0].Note != "नाली साफ़ कर दी गई।" || len(got[0].Attachments) != 1 {
		t.Fatalf("report %+v: want the note and one photo", got[0])
	}
	a := got[0].Attachments[0]
	if a.Location == nil || a.ContentType != "image/jpeg" {
		t.Errorf("photo %s at %v: want a JPEG with the location", a.ContentType, a.Location)
	}
	blobs, err := blob.NewDir(filepath.Join(m.Config.Data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := blobs.Open(context.Background(), a.Key)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(f)
	f.Close()
	if err != nil || cfg.Width != 1600 || cfg.Height != 1200 {
		t.Errorf("photo on the server is %dx%d (%v), want 1600x1200 (made smaller on the phone)", cfg.Width, cfg.Height, err)
	}
	// Opening pages again sends nothing twice.
	for i := 0; i < 2; i++ {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/officer"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(reports(t, m, number)); n != 1 {
		t.Fatalf("report events after reloading = %d, want 1", n)
	}
	c, err := m.Store.Complaint(context.Background(), grievance.SystemActor, number)
	if err != nil || c.Status != grievance.StatusResolved {
		t.Fatalf("complaint after the report: %v %v", c, err)
	}
}

// TestBrowserCitizenDraft: the complaint form is kept on the phone as it
// is typed; opened again without a connection it is filled in again, and
// once filed it is forgotten.
func TestBrowserCitizenDraft(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	m := MustRunMain(t, "", nil)
	ctx := newBrowser(t, true)
	net := newPhoneNet(t, ctx)
	base := m.URL()
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#name")))
	if err != nil {
		t.Fatal(err)
	}
	waitControlled(t, ctx)
	inst, err := chromedp.Call(ctx, page.GetInstallabilityErrors, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inst.InstallabilityErrors {
		t.Errorf("citizen app not installable: %s", e.ErrorID)
	}
	// The first visit's page is kept, to open again without a connection.
	waitJS(t, ctx, "the form to be kept", `caches.open("nivaran-pages").then(c => c.match(location.href)).then(r => !!r)`)
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "सीता देवी"),
		chromedp.SendKeys(chromedp.CSS("#mobile"), "9876543210"),
		chromedp.SendKeys(chromedp.CSS("#address"), "गली 4, अमीनाबाद"),
		chromedp.SendKeys(chromedp.CSS("#description"), "तीन दिन से कूड़ा नहीं उठा।"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`["category","mun-garbage","area","w-z1-aminabad"].every((v, i, a) => {
		if (i % 2) return true; const el = document.getElementById(v); el.value = a[i+1]; el.dispatchEvent(new Event("change", {bubbles: true})); return true })`)); err != nil {
		t.Fatal(err)
	}

	// The connection drops and the page is opened again.
	net.set(true)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("[data-draft-notice]"))); err != nil {
		t.Fatalf("draft not restored offline: %v", err)
	}
	for sel, want := range map[string]string{"#name": "सीता देवी", "#mobile": "9876543210", "#category": "mun-garbage",
		"#area": "w-z1-aminabad", "#description": "तीन दिन से कूड़ा नहीं उठा।"} {
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
		if err != nil || v != want {
			t.Errorf("%s = %q after reopening offline, want %q", sel, v, want)
		}
	}
	if n := text(ctx, t, "[data-draft-notice] p"); !strings.Contains(n, "अधूरी शिकायत") {
		t.Errorf("draft notice %q", n)
	}
	axeCheck(t, ctx, axe, "filing form with a restored draft")

	// Back online, it is filed, and forgotten.
	net.set(false)
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("[data-draft-notice]")),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)))
	if err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the receipt", `!!document.querySelector(".notice .number")`)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#name"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("[data-draft-notice]").hidden && document.getElementById("name").value === "" && localStorage.getItem("nivaran-draft") === null`))
	if !hidden {
		t.Error("the draft survived the filing")
	}
	if n := count(t, m); n != 1 {
		t.Errorf("complaints = %d, want 1", n)
	}
}

// TestBrowserFieldAppReplay: reports queued offline wait while the session
// has ended (the page asks the officer to sign in again), go once the
// officer is back, and a report the server refuses (the complaint was
// resolved meanwhile) is shown to the officer instead of being retried or
// lost.
func TestBrowserFieldAppReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	m := MustRunMain(t, "", nil)
	a := fileJSON(t, newClient(t, m), map[string]any{"mobile": "9822222222"})["number"].(string)
	b := fileJSON(t, newClient(t, m), map[string]any{"mobile": "9833333333"})["number"].(string)
	ctx := newBrowser(t, true)
	logConsole(t, ctx)
	net := newPhoneNet(t, ctx)
	base := m.URL()
	photo := filepath.Join(t.TempDir(), "site.png")
	os.WriteFile(photo, pngImage(t), 0o600)
	login := func() {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/officer/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#login"), "mun-l1"), chromedp.SendKeys(chromedp.CSS("#password"), testDemoPassword),
			chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(".tabs")),
		)
		if err != nil {
			t.Fatal(err)
		}
	}
	login()
	waitControlled(t, ctx)
	for _, n := range []string{a, b} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/officer/complaints/"+n), chromedp.WaitVisible(chromedp.CSS("#actions"))); err != nil {
			t.Fatal(err)
		}
	}
	net.set(true)
	for i, n := range []string{a, b} {
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/officer/complaints/"+n), chromedp.WaitVisible(chromedp.CSS("#report-note")),
			chromedp.SendKeys(chromedp.CSS("#report-note"), "काम पूरा "+n),
			chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
			chromedp.SetValue(chromedp.CSS("#lat"), "26.8468"), chromedp.SetValue(chromedp.CSS("#long"), "80.9463"),
			chromedp.Click(chromedp.CSS(`form[action$="/report"] button[type=submit]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "the report to wait", fmt.Sprintf(`document.querySelector("[data-queue]").dataset.waiting === "%d"`, i+1))
	}
	if q := text(ctx, t, "[data-queue-text]"); !strings.Contains(q, "2 रिपोर्ट भेजी जानी बाकी हैं") {
		t.Errorf("waiting message %q, want two reports", q)
	}
	// Meanwhile B is resolved from another device, and the phone's session ends.
	officer := mustMasters(t, m).OfficerByCode("mun-l1")
	u, err := m.Store.UserByLogin(context.Background(), "mun-l1")
	if err != nil {
		t.Fatal(err)
	}
	actor := grievance.Actor{UserID: u.ID, Login: u.Login, Roles: u.Roles, Officer: officer}
	if _, err := m.Store.Act(context.Background(), actor, b, grievance.Action{Kind: grievance.ActReport, Note: "desk",
		Photos: []grievance.Upload{{ContentType: "image/png", Data: pngImage(t)}}, Location: &grievance.Point{Lat: 26.8468, Long: 80.9463}}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, struct{}{}); err != nil {
		t.Fatal(err)
	}

	// Online again, without a session: nothing goes, the officer is asked to sign in.
	net.set(false)
	waitJS(t, ctx, "the request to sign in", `document.querySelector("[data-queue-text]").textContent.includes("दोबारा साइन इन करें")`)
	if n := len(reports(t, m, a)); n != 0 {
		t.Fatalf("%d reports on %s sent without a session", n, a)
	}
	login()
	waitJS(t, ctx, "the refused report to be shown", `document.querySelectorAll("[data-queue-refused] li").length === 1 && document.querySelector("[data-queue-text]").hidden`)
	if li := text(ctx, t, "[data-queue-refused] li"); !strings.Contains(li, b) {
		t.Errorf("refused report names %q, want %s", li, b)
	}
	axeCheck(t, ctx, axe, "inbox with a refused report")
	if n := len(reports(t, m, a)); n != 1 {
		t.Errorf("reports on %s = %d, want 1", a, n)
	}
	if n := len(reports(t, m, b)); n != 1 {
		t.Errorf("reports on %s = %d, want 1 (the one from the desk)", b, n)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-queue-refused] button"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the dismissed report to go", `document.querySelector("[data-queue]").hidden`)
}

// TestBrowserAdminWebhooks: the webhook page and the offline page, in
// Chromium, checked for accessibility; the form adds a webhook and shows
// its secret.
func TestBrowserAdminWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	m := MustRunMain(t, "", nil)
	ctx := newBrowser(t, true)
	base := m.URL()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/officer/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), testAdminPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/admin/webhooks"]`)),
		chromedp.Navigate(base+"/admin/webhooks"), chromedp.WaitVisible(chromedp.CSS("#url")),
	)
	if err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, axe, "webhooks")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#url"), "https://crm.example.in/nivaran"),
		chromedp.Click(chromedp.CSS(`#ev-complaint\.registered`)),
		chromedp.Click(chromedp.CSS(`#ev-complaint\.escalated`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/webhooks"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#webhook-secret")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(ctx, t, "#webhook-secret"); len(strings.TrimSpace(s)) != 64 {
		t.Errorf("secret %q", s)
	}
	hooks, err := m.Store.Webhooks(context.Background())
	if err != nil || len(hooks) != 1 || strings.Join(hooks[0].Events, ",") != "complaint.registered,complaint.escalated" {
		t.Fatalf("webhooks %+v %v", hooks, err)
	}
	axeCheck(t, ctx, axe, "webhooks with a new secret")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/offline"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, axe, "offline page")
}

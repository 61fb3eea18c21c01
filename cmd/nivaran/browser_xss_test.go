package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"nivaran/internal/masters"
)

// The payloads typed into fields and written into the masters. Each sets
// window.__xss if the browser ever runs it; each must show as the text it
// is. Hindi around them, as a citizen or officer would write.
const (
	xssName    = `सीता <script>window.__xss=1</script> देवी`
	xssAddress = `गली 4 "><svg onload="window.__xss=1"> अमीनाबाद`
	xssDesc    = `कूड़ा <img src=x onerror="window.__xss=1"> नहीं उठा <a href="javascript:window.__xss=1">देखें</a>`
	xssNote    = `मौके पर देखा </textarea><script>window.__xss=1</script> टीम भेजी`
	xssReport  = `कूड़ा उठवा दिया <img src=x onerror=window.__xss=1> गया`
	// In the masters: shown in every list, on the wall (by server-sent
	// event, rendered by its script) and in the history.
	xssDept    = `नगर निगम <img src=x onerror=window.__xss=1>`
	xssArea    = `अमीनाबाद "><svg onload=window.__xss=1>`
	xssOfficer = `<script>window.__xss=1</script> सफ़ाई निरीक्षक`
	xssPost    = `ज़ोनल <svg/onload=window.__xss=1> अधिकारी`
	xssCat     = `कूड़ा "><img src=x onerror=window.__xss=1> नहीं उठा`
)

// xssBrowser is Chromium with the page's Content-Security-Policy bypassed,
// so that only the escaping stands between a payload and its running (the
// CSP, script-src 'self', is the second wall: it is not what is tested), and
// JavaScript dialogs counted and dismissed.
func xssBrowser(t *testing.T, dialogs *atomic.Int32) context.Context {
	t.Helper()
	ctx := newBrowser(t, true)
	err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.Enable, page.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// waitText waits until the page that a form's answer loads shows s.
func waitText(t *testing.T, ctx context.Context, what, s string) {
	t.Helper()
	js := fmt.Sprintf(`document.readyState === "complete" && document.body.innerText.includes(%q)`, s)
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	t.Fatalf("%s: the page never showed %q", what, s)
}

// pageState is what checkNoScript reads from a page.
type pageState struct {
	XSS      string   // typeof window.__xss
	Text     string   // document.body.innerText
	Injected []string // elements with event-handler attributes or javascript: links
}

// checkNoScript waits for images to fail and scripts to run, then checks
// that no payload ran (window.__xss undefined, no dialog), that no element
// carries an event handler or a javascript: link, and that each of wants
// shows literally as text.
func checkNoScript(t *testing.T, ctx context.Context, dialogs *atomic.Int32, what string, wants ...string) {
	t.Helper()
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](`new Promise(r => setTimeout(() => r({
		xss: typeof window.__xss,
		text: document.body.innerText,
		injected: [...document.querySelectorAll("*")].filter(e => [...e.attributes].some(a => a.name.startsWith("on")) ||
			(e.getAttribute("href") || "").trim().toLowerCase().startsWith("javascript:")).map(e => e.outerHTML.slice(0, 120)),
	}), 700))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if st.XSS != "undefined" {
		t.Errorf("%s: a payload ran: window.__xss is %s", what, st.XSS)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%s: %d JavaScript dialogs opened", what, n)
	}
	if len(st.Injected) > 0 {
		t.Errorf("%s: elements made from a payload: %q", what, st.Injected)
	}
	for _, w := range wants {
		if !strings.Contains(st.Text, w) {
			t.Errorf("%s: %q not shown as text; the page shows:\n%.1500s", what, w, st.Text)
		}
	}
}

// TestBrowserScriptNotRun: script typed into a complaint's fields, an
// officer's note and action-taken report, and written into the masters'
// names, is shown as text and never runs, with real Chromium, on every page
// that shows it: the citizen's receipt and tracking page and "my
// complaints", the officer's inbox and complaint page, the control room's
// list and complaint, and the live wall, where a new complaint arrives by
// server-sent event and the wall's script renders it. (The agent console
// shows a caller's earlier complaints by number, date, category and status
// only: the category names are the masters', covered here on every list.)
func TestBrowserScriptNotRun(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	m := MustRunMain(t, "", nil)
	def, err := masters.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i := range def.Departments {
		if def.Departments[i].Code == "mun" {
			def.Departments[i].Name.Hi = xssDept
		}
	}
	for i := range def.Categories {
		if def.Categories[i].Code == "mun-garbage" {
			def.Categories[i].Name.Hi = xssCat
		}
	}
	for i := range def.Areas {
		if def.Areas[i].Code == "w-z1-aminabad" {
			def.Areas[i].Name.Hi = xssArea
		}
	}
	for i := range def.Officers {
		if def.Officers[i].Code == "mun-l1" {
			def.Officers[i].Name, def.Officers[i].Designation.Hi = xssOfficer, xssPost
		}
	}
	if err := m.Store.ReplaceMasters(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	base := m.URL()
	const mobile = "9833333333"
	photo := filepath.Join(t.TempDir(), "kooda.png")
	if err := os.WriteFile(photo, pngImage(t), 0o600); err != nil {
		t.Fatal(err)
	}

	// The citizen types the payloads into the form.
	var dialogs atomic.Int32
	ctx := xssBrowser(t, &dialogs)
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), xssName),
		chromedp.SendKeys(chromedp.CSS("#mobile"), mobile),
		chromedp.SetValue(chromedp.CSS("#category"), "mun-garbage"),
		chromedp.SetValue(chromedp.CSS("#area"), "w-z1-aminabad"),
		chromedp.SendKeys(chromedp.CSS("#address"), xssAddress),
		chromedp.SendKeys(chromedp.CSS("#description"), xssDesc),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if err != nil {
		t.Fatal(err)
	}
	number := strings.TrimSpace(text(ctx, t, ".notice .number strong"))
	if len(number) != 11 {
		t.Fatalf("complaint number %q", number)
	}
	receipt, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	checkNoScript(t, ctx, &dialogs, "receipt", xssDept, xssArea, xssPost)

	// The officer: inbox, complaint page, a note and the action-taken
	// report, each with payloads.
	octx := xssBrowser(t, &dialogs)
	err = chromedp.Do(octx,
		chromedp.Navigate(base+"/officer/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "mun-l1"), chromedp.SendKeys(chromedp.CSS("#password"), testDemoPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(".cards")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkNoScript(t, octx, &dialogs, "officer's inbox", number, xssCat, xssArea)
	staff := base + "/officer/complaints/" + number
	if err := chromedp.Do(octx, chromedp.Navigate(staff), chromedp.WaitVisible(chromedp.CSS("#actions"))); err != nil {
		t.Fatal(err)
	}
	checkNoScript(t, octx, &dialogs, "officer's complaint page", xssName, xssAddress, xssDesc, xssDept, xssArea)
	err = chromedp.Do(octx,
		chromedp.Click(chromedp.CSS(`details:has(form[action$="/note"]) > summary`)),
		chromedp.SendKeys(chromedp.CSS("#note-note"), xssNote),
		chromedp.Click(chromedp.CSS(`form[action$="/note"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, octx, "note", xssNote)
	checkNoScript(t, octx, &dialogs, "officer's complaint page after a note", xssNote)
	err = chromedp.Do(octx,
		chromedp.SendKeys(chromedp.CSS("#report-note"), xssReport),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		chromedp.SetValue(chromedp.CSS("#lat"), "26.8468"), chromedp.SetValue(chromedp.CSS("#long"), "80.9463"),
		chromedp.Click(chromedp.CSS(`form[action$="/report"] button[type=submit]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, octx, "report", xssReport)
	checkNoScript(t, octx, &dialogs, "officer's complaint page after the report", xssReport, xssNote, xssOfficer)

	// The citizen's tracking page shows the report; "my complaints" lists
	// the complaint.
	if err := chromedp.Do(ctx, chromedp.Navigate(receipt), chromedp.WaitVisible(chromedp.CSS("#history"))); err != nil {
		t.Fatal(err)
	}
	checkNoScript(t, ctx, &dialogs, "tracking page", xssReport, xssPost, xssDept)
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/my"), chromedp.WaitVisible(chromedp.CSS("#mobile")),
		chromedp.SendKeys(chromedp.CSS("#mobile"), mobile),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS("#code")),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#code"), otpFromOutbox(t, m, mobile)),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(".cards")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkNoScript(t, ctx, &dialogs, "my complaints", number, xssCat)

	// The control room: list, complaint, and the live wall.
	actx := xssBrowser(t, &dialogs)
	err = chromedp.Do(actx,
		chromedp.Navigate(base+"/officer/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), testAdminPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, actx, "sign-in", "लॉग आउट")
	if err := chromedp.Do(actx, chromedp.Navigate(base+"/control?status=resolved"), chromedp.WaitVisible(chromedp.CSS(".cards"))); err != nil {
		t.Fatal(err)
	}
	checkNoScript(t, actx, &dialogs, "control room list", number, xssCat, xssArea, xssDept)
	if err := chromedp.Do(actx, chromedp.Navigate(staff), chromedp.WaitVisible(chromedp.CSS("#history"))); err != nil {
		t.Fatal(err)
	}
	checkNoScript(t, actx, &dialogs, "control room's complaint page", xssName, xssAddress, xssDesc, xssNote, xssReport)
	if err := chromedp.Do(actx, chromedp.Navigate(base+"/control/wall"), chromedp.WaitVisible(chromedp.CSS("[data-feed]"))); err != nil {
		t.Fatal(err)
	}
	// Wait for the stream to open, then file: the change reaches the wall
	// only by its event.
	if _, err := chromedp.Run(actx, chromedp.Evaluate[bool](`new Promise(r => { let n = 0; const f = () => { if (!document.querySelector("[data-wall]").classList.contains("offline") && document.querySelector("[data-conn]").textContent !== "" || n++ > 50) r(true); else setTimeout(f, 100) }; setTimeout(f, 300) })`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	live := fileJSON(t, newClient(t, m), map[string]any{"mobile": mobile, "name": xssName, "address": xssAddress, "description": xssDesc})["number"].(string)
	arrived, err := chromedp.Run(actx, chromedp.Evaluate[bool](fmt.Sprintf(`new Promise(r => { let n = 0; const f = () => { const li = document.querySelector("[data-feed] li.new"); if (li && li.textContent.includes(%q)) r(true); else if (n++ > 100) r(false); else setTimeout(f, 100) }; f() })`, live), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !arrived {
		t.Fatalf("complaint %s did not reach the wall by its event within 10 s", live)
	}
	checkNoScript(t, actx, &dialogs, "live wall after an event", live, xssDept)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// needService skips a test whose outside service is missing, except in CI,
// where everything the tests need must be there.
func needService(t *testing.T, what, hint string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing in CI: %s", what, hint)
	}
	t.Skipf("%s not available (%s); skipping", what, hint)
}

// chromiumPath finds Debian's Chromium.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("NIVARAN_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	needService(t, "Chromium", "apt-get install chromium, or run .ci/run")
	return ""
}

// axeSource returns axe-core's script.
func axeSource(t *testing.T) string {
	p := os.Getenv("NIVARAN_AXE")
	if p == "" {
		p = filepath.Join("..", "..", ".cache", "node", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		needService(t, "axe-core", "npm install axe-core into .cache/node, or run .ci/run")
	}
	return string(b)
}

// newBrowser starts headless Chromium with a phone-sized screen and a fresh
// profile; javascript false disables scripts in the page.
func newBrowser(t *testing.T, javascript bool) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(412, 915),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(412, 915, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"}}); err != nil {
		t.Fatal(err)
	}
	if !javascript {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

// axeCheck runs axe-core on the current page and fails the test on
// serious or critical WCAG 2.1 A/AA violations.
func axeCheck(t *testing.T, ctx context.Context, axe, what string) {
	t.Helper()
	type result struct {
		Violations []struct {
			ID, Impact, Help string
			Nodes            []struct{ Target []any }
		}
	}
	js := `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a","wcag2aa","wcag21a","wcag21aa"]}}).then(r => ({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target}))}))}))`
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axe+";true")); err != nil {
		t.Fatalf("inject axe on %s: %v", what, err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[result](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", what, err)
	}
	for _, v := range res.Violations {
		b, _ := json.Marshal(v.Nodes)
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: accessibility %s (%s): %s %s", what, v.ID, v.Impact, v.Help, b)
		} else {
			t.Logf("%s: accessibility %s (%s): %s", what, v.ID, v.Impact, v.Help)
		}
	}
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestBrowserCitizenAndOfficer drives real Chromium on a phone-sized screen
// through filing and tracking in Hindi, then the officer's sign-in and
// action-taken report, checking accessibility on every page.
func TestBrowserCitizenAndOfficer(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	m := MustRunMain(t, "", nil)
	ctx := newBrowser(t, true)
	photo := filepath.Join(t.TempDir(), "kooda.png")
	os.WriteFile(photo, pngImage(t), 0o600)
	base := m.URL()

	// The citizen files a complaint.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#name"))); err != nil {
		t.Fatal(err)
	}
	if h := text(ctx, t, "h1"); h != "शिकायत दर्ज करें" {
		t.Errorf("heading %q, want the Hindi form", h)
	}
	axeCheck(t, ctx, axe, "filing form")
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "सीता देवी"),
		chromedp.SendKeys(chromedp.CSS("#mobile"), "9876543210"),
		chromedp.SetValue(chromedp.CSS("#category"), "mun-garbage"),
		chromedp.SetValue(chromedp.CSS("#area"), "w-z1-aminabad"),
		chromedp.SendKeys(chromedp.CSS("#address"), "गली 4, अमीनाबाद"),
		chromedp.SendKeys(chromedp.CSS("#description"), "तीन दिन से कूड़ा नहीं उठा।"),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if err != nil {
		t.Fatal(err)
	}
	notice := text(ctx, t, ".notice")
	if !strings.Contains(notice, "आपकी शिकायत दर्ज हो गई है") {
		t.Errorf("receipt says %q", notice)
	}
	number := strings.TrimSpace(text(ctx, t, ".notice .number strong"))
	if len(number) != 11 {
		t.Fatalf("complaint number %q", number)
	}
	facts := text(ctx, t, ".facts")
	for _, want := range []string{"नगर निगम लखनऊ", "ज़ोनल सफ़ाई अधिकारी", "अधिकारी को सौंपी गई"} {
		if !strings.Contains(facts, want) {
			t.Errorf("receipt lacks %q: %s", want, facts)
		}
	}
	// The script runs after the page is shown: wait for it a little.
	printable, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => { let n = 0; const f = () => { if (!document.querySelector("[data-print]").hidden || n++ > 50) r(!document.querySelector("[data-print]").hidden); else setTimeout(f, 100) }; f() })`, chromedp.EvalAwaitPromise))
	if !printable {
		t.Error("print button not shown with JavaScript on")
	}
	axeCheck(t, ctx, axe, "receipt")

	// The citizen tracks it.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/track"), chromedp.WaitVisible(chromedp.CSS("#number")),
		chromedp.SendKeys(chromedp.CSS("#number"), number), chromedp.SendKeys(chromedp.CSS("#mobile"), "9876543210"),
	)
	if err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, axe, "tracking form")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS("#history"))); err != nil {
		t.Fatal(err)
	}
	if h := text(ctx, t, ".history"); !strings.Contains(h, "शिकायत दर्ज हुई") {
		t.Errorf("history %q", h)
	}

	// The officer signs in on the phone and resolves it.
	octx := newBrowser(t, true)
	err = chromedp.Do(octx, chromedp.Navigate(base+"/officer"), chromedp.WaitVisible(chromedp.CSS("#login")))
	if err != nil {
		t.Fatal(err)
	}
	axeCheck(t, octx, axe, "sign-in")
	err = chromedp.Do(octx,
		chromedp.SendKeys(chromedp.CSS("#login"), "mun-l1"), chromedp.SendKeys(chromedp.CSS("#password"), testDemoPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(".cards")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if inbox := text(octx, t, ".cards"); !strings.Contains(inbox, number) {
		t.Fatalf("inbox lacks %s: %s", number, inbox)
	}
	axeCheck(t, octx, axe, "inbox")
	err = chromedp.Do(octx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/officer/complaints/%s"]`, number))),
		chromedp.WaitVisible(chromedp.CSS("#actions")),
	)
	if err != nil {
		t.Fatal(err)
	}
	axeCheck(t, octx, axe, "complaint (officer)")
	err = chromedp.Do(octx,
		chromedp.Click(chromedp.CSS(`form[action$="/accept"] button`)), chromedp.WaitVisible(chromedp.CSS(".s-in_progress")),
		chromedp.SendKeys(chromedp.CSS("#report-note"), "कूड़ा उठवा दिया गया।"),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		chromedp.SetValue(chromedp.CSS("#lat"), "26.8468"), chromedp.SetValue(chromedp.CSS("#long"), "80.9463"),
		chromedp.Click(chromedp.CSS(`form[action$="/report"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".s-resolved")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if st := text(octx, t, ".facts"); !strings.Contains(st, "निस्तारित") {
		t.Errorf("status after report: %s", st)
	}
	axeCheck(t, octx, axe, "complaint resolved (officer)")

	// The citizen sees the report and its photo.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#history"))); err != nil {
		t.Fatal(err)
	}
	imgs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Promise(r => setTimeout(() => r([...document.querySelectorAll(".history img")].filter(i => i.complete && i.naturalWidth > 0).length), 300))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if h := text(ctx, t, ".history"); !strings.Contains(h, "कूड़ा उठवा दिया गया।") {
		t.Errorf("citizen's history lacks the report: %s", h)
	}
	if imgs != 2 {
		t.Errorf("citizen sees %d loaded photos, want 2", imgs)
	}
}

// TestBrowserWithoutJavaScript: filing works with scripts disabled.
func TestBrowserWithoutJavaScript(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	m := MustRunMain(t, "", nil)
	ctx := newBrowser(t, false)
	err := chromedp.Do(ctx,
		chromedp.Navigate(m.URL()+"/"), chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Ram"),
		chromedp.SendKeys(chromedp.CSS("#mobile"), "12345"), // wrong first
		chromedp.SetValue(chromedp.CSS("#category"), "pwd-pothole"),
		chromedp.SetValue(chromedp.CSS("#area"), "b-chinhat"),
		chromedp.SendKeys(chromedp.CSS("#address"), "Chinhat crossing"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Big pothole"),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.CSS("#mobile-error")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if e := text(ctx, t, "#mobile-error"); !strings.Contains(e, "10 अंकों") {
		t.Errorf("mobile error %q", e)
	}
	desc, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#description")))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#mobile"), "9876543210"),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if desc != "Big pothole" {
		t.Errorf("the form lost the description: %q", desc)
	}
	if n := text(ctx, t, ".notice .number strong"); len(strings.TrimSpace(n)) != 11 {
		t.Errorf("number %q", n)
	}
}

// TestBrowserMyComplaints: the citizen asks for a code, reads it from the
// SMS (the log gateway's outbox), and sees their complaints, in Hindi on a
// phone-sized screen, with accessibility checked.
func TestBrowserMyComplaints(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	m := MustRunMain(t, "", nil)
	number := fileJSON(t, newClient(t, m), map[string]any{"mobile": "9844444444"})["number"].(string)
	ctx := newBrowser(t, true)
	err := chromedp.Do(ctx,
		chromedp.Navigate(m.URL()+"/my"), chromedp.WaitVisible(chromedp.CSS("#mobile")),
	)
	if err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, axe, "my complaints: number")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#mobile"), "9844444444"),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS("#code")),
	)
	if err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, axe, "my complaints: code")
	code := otpFromOutbox(t, m, "9844444444")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(".cards")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if list := text(ctx, t, ".cards"); !strings.Contains(list, number) || !strings.Contains(list, "अधिकारी को सौंपी गई") {
		t.Errorf("list %q lacks %s and its status in Hindi", list, number)
	}
	axeCheck(t, ctx, axe, "my complaints: list")
}

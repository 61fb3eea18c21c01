package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminPages: the administration pages added for categories,
// officer posts, areas and SMS templates, in Hindi on a phone-sized screen,
// pass axe-core's WCAG 2.1 A/AA check, also when they show refusals; an
// edited SMS template is saved from the browser.
func TestBrowserAdminPages(t *testing.T) {
	m := MustRunMain(t, "", nil)
	axe := axeSource(t)
	// A disabled post, for its page's enable button.
	admin := newClient(t, m)
	tok := admin.login("admin", testAdminPassword)
	if r := admin.postForm("/admin/officers/mun-l1/disable", url.Values{"csrf": {tok}}); r.Status != 303 {
		t.Fatalf("disable mun-l1: %d", r.Status)
	}

	ctx := newBrowser(t, true)
	base := m.URL()
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/officer"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), testAdminPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitNotPresent(chromedp.CSS("#password")))
	if err != nil {
		t.Fatal(err)
	}
	visit := func(path, sel, what string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		axeCheck(t, ctx, axe, what)
	}
	submit := func(sel, wait, what string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(wait))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		axeCheck(t, ctx, axe, what)
	}

	visit("/admin/categories/new", "#code", "new category")
	submit(`form[action="/admin/categories"] button[type=submit]`, "#code-error", "new category refused")
	visit("/admin/officers/mun-l1", `form[action="/admin/officers/mun-l1/enable"]`, "disabled officer post")
	visit("/admin/areas/z1/delete", `form[action="/admin/areas/z1/delete"]`, "area deletion")
	submit(`form[action="/admin/areas/z1/delete"] button`, "#form-error", "area deletion refused")
	if msg := text(ctx, t, "#form-error"); !strings.Contains(msg, "हटाया नहीं जा सकता") {
		t.Errorf("refused deletion says %q", msg)
	}
	const tpl = "/admin/sms/templates/registered/citizen/hi"
	visit("/admin/sms", `a[href="`+tpl+`"]`, "SMS")
	visit(tpl, "#text", "SMS template")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#text"), "शिकायत {#number#} दर्ज, {#naam#}")); err != nil {
		t.Fatal(err)
	}
	submit(`form[action="`+tpl+`"] button[type=submit]`, "#text-error", "SMS template refused")
	edited := "आपकी शिकायत {#number#} {#department#} को भेजी गई। स्थिति: {#track#}"
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#text"), edited)); err != nil {
		t.Fatal(err)
	}
	submit(`form[action="`+tpl+`"] button[type=submit]`, `form[action="`+tpl+`/reset"]`, "SMS template saved")
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#text").value`))
	if err != nil {
		t.Fatal(err)
	}
	if got != edited {
		t.Errorf("saved template reads %q, want %q", got, edited)
	}
}

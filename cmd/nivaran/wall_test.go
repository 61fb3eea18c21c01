package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sseReader reads server-sent events from a stream.
type sseReader struct {
	res *http.Response
	br  *bufio.Reader
}

// openSSE opens the wall's event stream as c, after lastID when not "".
func openSSE(t *testing.T, c *client, lastID string) *sseReader {
	return openSSEAt(t, c, "/control/wall/events", lastID)
}

// openSSEAt opens the event stream at path as c, after lastID when not "".
func openSSEAt(t *testing.T, c *client, path, lastID string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("event stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return &sseReader{res: res, br: bufio.NewReader(res.Body)}
}

// next returns the next event's id, type and data, or fails after d.
func (s *sseReader) next(t *testing.T, d time.Duration) (id, typ, data string) {
	t.Helper()
	type ev struct{ id, typ, data string }
	got := make(chan ev, 1)
	go func() {
		var e ev
		for {
			line, err := s.br.ReadString('\n')
			if err != nil {
				got <- ev{typ: "error"}
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if e.data != "" || e.typ != "" {
					got <- e
					return
				}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.typ = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	select {
	case e := <-got:
		return e.id, e.typ, e.data
	case <-time.After(d):
		t.Fatalf("no event within %v", d)
		return "", "", ""
	}
}

// TestLiveWall: a complaint registered anywhere reaches the open wall within
// a second; a wall that reconnects with Last-Event-ID catches up on what it
// missed; an officer cannot open it.
func TestLiveWall(t *testing.T) {
	m := MustRunMain(t, "", nil)
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	page := admin.get("/control/wall")
	if page.Status != 200 || !strings.Contains(page.Body, `data-count="today">0<`) {
		t.Fatalf("wall: %d\n%.800s", page.Status, page.Body)
	}
	stream := openSSE(t, admin, "")
	api := newClient(t, m)
	start := time.Now()
	number := fileJSON(t, api, nil)["number"].(string)
	id, _, data := stream.next(t, time.Second)
	if !strings.Contains(data, number) || !strings.Contains(data, `"kind":"file"`) {
		t.Fatalf("first event %s: %s", id, data)
	}
	t.Logf("event on the wall %v after the 201", time.Since(start))

	// Two more while the wall is away; it reconnects from the first.
	n2 := fileJSON(t, api, nil)["number"].(string)
	n3 := fileJSON(t, api, map[string]any{"category": "jal-leakage"})["number"].(string)
	again := openSSE(t, admin, id)
	_, _, d2 := again.next(t, time.Second)
	_, _, d3 := again.next(t, time.Second)
	if !strings.Contains(d2, n2) || !strings.Contains(d3, n3) {
		t.Errorf("catch-up: %s / %s, want %s then %s", d2, d3, n2, n3)
	}
	// An ID from before a restart: reload.
	old := openSSE(t, admin, "5")
	if _, typ, _ := old.next(t, time.Second); typ != "reload" {
		t.Errorf("stale ID: event %q, want reload", typ)
	}
	// A wall opened now paints figures up to 5 s old, shared with the
	// other walls, and its stream starts where they were counted: together
	// they hold all three complaints.
	r := admin.get("/control/wall")
	today := regexp.MustCompile(`data-count="today">(\d+)<`).FindStringSubmatch(r.Body)
	after := regexp.MustCompile(`data-after="(\d+)"`).FindStringSubmatch(r.Body)
	if today == nil || after == nil {
		t.Fatalf("wall page without today's count or its stream position:\n%.800s", r.Body)
	}
	counted, _ := strconv.Atoi(today[1])
	if counted > 3 {
		t.Fatalf("wall counts %d complaints today, 3 were filed", counted)
	}
	fresh := openSSEAt(t, admin, "/control/wall/events?after="+after[1], "")
	seen := map[string]bool{}
	for range 3 - counted {
		_, typ, data := fresh.next(t, time.Second)
		for _, n := range []string{number, n2, n3} {
			if typ == "" && strings.Contains(data, n) {
				seen[n] = true
			}
		}
	}
	if counted+len(seen) != 3 {
		t.Errorf("first paint counted %d and the stream after it brought %d of the 3 complaints", counted, len(seen))
	}
	officer := newClient(t, m)
	officer.login("mun-l1", testDemoPassword)
	for _, p := range []string{"/control/wall", "/control/wall.json", "/control/wall/events"} {
		if r := officer.get(p); r.Status != 403 {
			t.Errorf("officer at %s: %d", p, r.Status)
		}
	}
}

// TestBrowserLiveWall: in Chromium, the wall shows a new complaint without
// reloading, and passes the accessibility check.
func TestBrowserLiveWall(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	m := MustRunMain(t, "", nil)
	ctx := newBrowser(t, true)
	err := chromedp.Do(ctx,
		chromedp.Navigate(m.URL()+"/officer/login?next=/control/wall"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), testAdminPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS("[data-wall]")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the stream is open, then file.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(text(ctx, t, "[data-conn]"), "●") {
		time.Sleep(100 * time.Millisecond)
	}
	axeCheck(t, ctx, axe, "live wall")
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	deadline = time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(text(ctx, t, "[data-feed]"), number) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(text(ctx, t, "[data-feed]"), number) {
		t.Fatal("the wall's feed did not show the new complaint")
	}
	if n := text(ctx, t, `[data-count="today"]`); n != "1" {
		t.Errorf("today's count %q, want 1", n)
	}
}

// TestShutdownWithOpenWall: an open event stream does not hold up a
// graceful shutdown: it ends when the shutdown begins.
func TestShutdownWithOpenWall(t *testing.T) {
	m := MustRunMain(t, "", nil)
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	openSSE(t, admin, "")
	// A stream that held the shutdown up would make it run out of its
	// drain time, and Close would report that.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserWallMap: with a tile server configured the wall draws today's
// located complaints on a map, and a new one appears without reloading.
// The tile server here is a stand-in on loopback that serves one PNG.
func TestBrowserWallMap(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	tile := pngImage(t)
	var tiles atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tiles.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(tile)
	}))
	defer ts.Close()
	m := MustRunMain(t, "", map[string]string{"NIVARAN_MAP_TILES": ts.URL + "/{z}/{x}/{y}.png", "NIVARAN_MAP_ATTRIBUTION": "District GIS cell"})
	api := newClient(t, m)
	fileJSON(t, api, map[string]any{"lat": 26.85, "long": 80.95})
	fileJSON(t, api, map[string]any{"lat": 26.86, "long": 80.94})
	ctx := newBrowser(t, true)
	err := chromedp.Do(ctx,
		chromedp.Navigate(m.URL()+"/officer/login?next=/control/wall"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), testAdminPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.CSS(".leaflet-container")),
	)
	if err != nil {
		t.Fatal(err)
	}
	count := func(sel string) int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("`+sel+`").length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && (count(".leaflet-interactive") < 2 || !strings.Contains(text(ctx, t, "[data-conn]"), "●")) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := count(".leaflet-interactive"); n != 2 {
		t.Fatalf("%d dots on the map, want today's 2", n)
	}
	if tiles.Load() == 0 {
		t.Error("no tile was fetched from the configured tile server")
	}
	if a := text(ctx, t, ".leaflet-control-attribution"); !strings.Contains(a, "District GIS cell") {
		t.Errorf("attribution %q", a)
	}
	axeCheck(t, ctx, axeSource(t), "live wall with the map")
	fileJSON(t, api, map[string]any{"lat": 26.87, "long": 80.96})
	deadline = time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && count(".leaflet-interactive") < 3 {
		time.Sleep(50 * time.Millisecond)
	}
	if n := count(".leaflet-interactive"); n != 3 {
		t.Errorf("%d dots after a new complaint, want 3", n)
	}
}

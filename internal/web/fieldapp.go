package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"strings"
	"sync"

	"nivaran/internal/grievance"
	"nivaran/internal/route"
)

// The installable app: two manifests (the officer's field app, scoped to
// /officer, and the citizen's, scoped to /), one service worker at the
// root so that it may control both, icons drawn at start-up, and an
// offline page. The service worker caches the pages a user opened
// (network first) and the static files (hashed, cache first); the page's
// script keeps the action-taken reports made offline in IndexedDB and
// sends them when the connection returns (see static/queue.js).

//go:embed sw.js
var swSource string

// fieldAppRoutes mounts the installable app's files and the webhook
// administration.
func (s *Server) fieldAppRoutes(mux *route.Mux) {
	mux.HandleFunc("GET /sw.js", s.serviceWorker)
	mux.HandleFunc("GET /manifest.webmanifest", s.manifest)
	mux.HandleFunc("GET /officer/app.webmanifest", s.manifest)
	mux.HandleFunc("GET /offline", s.offlinePage)
	mux.HandleFunc("GET /admin/webhooks", s.staff(s.adminWebhooks))
	mux.HandleFunc("POST /admin/webhooks", s.staff(s.adminWebhookAdd))
	mux.HandleFunc("POST /admin/webhooks/{id}/delete", s.staff(s.adminWebhookDelete))
}

// icon sizes: 192 and 512 as every platform asks, and a maskable 512
// whose drawing keeps to the safe circle; the pages link the 48 (1 KB
// instead of 8 on the citizen's first load).
var iconSizes = []struct {
	name     string
	size     int
	maskable bool
}{{"icon-48.png", 48, false}, {"icon-192.png", 192, false}, {"icon-512.png", 512, false}, {"icon-maskable-512.png", 512, true}}

// loadFieldApp draws the icons and prepares the service worker's source,
// which names the hashed static files to keep for offline use; its text
// changes whenever they do, so browsers install the new worker.
func (s *Server) loadFieldApp() error {
	icons, err := iconPNGs()
	if err != nil {
		return err
	}
	for i, ic := range iconSizes {
		s.addStatic(ic.name, icons[i], "image/png")
	}
	pre := []string{"/offline"}
	for _, n := range []string{"style.css", "app.js", "queue.js", "icon-48.png"} {
		pre = append(pre, s.hashed[n])
	}
	list, _ := json.Marshal(pre)
	sum := sha256.Sum256(append([]byte(swSource), list...))
	s.sw = []byte(strings.NewReplacer("__VERSION__", hex.EncodeToString(sum[:6]), "__PRECACHE__", string(list),
		"__QUEUE__", s.hashed["queue.js"]).Replace(swSource))
	return nil
}

// iconPNGs draws and compresses the app's icons once per process (about
// 0.4 s of CPU): they never change, and every server started in a test
// process would otherwise draw them again.
var iconPNGs = sync.OnceValues(func() ([][]byte, error) {
	out := make([][]byte, len(iconSizes))
	for i, ic := range iconSizes {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, drawIcon(ic.size, ic.maskable)); err != nil {
			return nil, err
		}
		out[i] = buf.Bytes()
	}
	return out, nil
})

// addStatic serves data under a content-hashed name like the embedded
// static files.
func (s *Server) addStatic(name string, data []byte, ctype string) {
	sum := sha256.Sum256(data)
	dot := strings.LastIndexByte(name, '.')
	h := name[:dot] + "." + hex.EncodeToString(sum[:4]) + name[dot:]
	s.static[h] = staticFile{data: data, ctype: ctype}
	s.hashed[name] = "/static/" + h
}

// drawIcon draws Nivaran's icon: a white check in a white-ringed disc on
// the brand blue. A maskable icon keeps the drawing inside the middle 80 %.
func drawIcon(size int, maskable bool) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	brand := color.RGBA{0x0b, 0x3d, 0x91, 0xff}
	f := float64(size)
	scale := 1.0
	if maskable {
		scale = 0.78
	}
	cx, cy := f/2, f/2
	r := 0.36 * f * scale
	ring := 0.05 * f * scale
	// The check: two strokes.
	ax, ay := cx-0.17*f*scale, cy+0.01*f*scale
	bx, by := cx-0.05*f*scale, cy+0.13*f*scale
	qx, qy := cx+0.18*f*scale, cy-0.12*f*scale
	stroke := 0.045 * f * scale
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			var white float64
			d := math.Hypot(px-cx, py-cy)
			white = math.Max(white, cover(ring/2-math.Abs(d-r)))
			dc := math.Min(segDist(px, py, ax, ay, bx, by), segDist(px, py, bx, by, qx, qy))
			white = math.Max(white, cover(stroke-dc))
			if !maskable {
				// Rounded square: transparent outside.
				if a := roundedAlpha(px, py, f, 0.18*f); a < 1 {
					c := mix(brand, white)
					c.A = uint8(255 * a)
					c.R, c.G, c.B = uint8(float64(c.R)*a), uint8(float64(c.G)*a), uint8(float64(c.B)*a)
					img.SetRGBA(x, y, c)
					continue
				}
			}
			img.SetRGBA(x, y, mix(brand, white))
		}
	}
	return img
}

// cover turns a signed distance (positive inside) into pixel coverage.
func cover(d float64) float64 { return math.Max(0, math.Min(1, d+0.5)) }

func mix(c color.RGBA, white float64) color.RGBA {
	m := func(v uint8) uint8 { return uint8(float64(v)*(1-white) + 255*white) }
	return color.RGBA{m(c.R), m(c.G), m(c.B), 0xff}
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// roundedAlpha is the coverage of a square of side f with corner radius rc.
func roundedAlpha(px, py, f, rc float64) float64 {
	qx := math.Max(rc-px, px-(f-rc))
	qy := math.Max(rc-py, py-(f-rc))
	if qx <= 0 || qy <= 0 {
		return 1
	}
	return cover(rc - math.Hypot(qx, qy))
}

func (s *Server) serviceWorker(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// Browsers check for a new worker at most daily anyway; no-cache makes
	// every check ask the server.
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/")
	w.Write(s.sw)
}

// manifestIcon is one icon of a manifest.
type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// manifest serves the citizen's (/manifest.webmanifest) or the officer's
// (/officer/app.webmanifest) web app manifest in the language asked for
// (?lang=), the page's: the installed app is named in that language, with
// the other language in its description.
func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if lang != "en" {
		lang = "hi"
	}
	other := map[string]string{"hi": "en", "en": "hi"}[lang]
	officer := strings.HasPrefix(r.URL.Path, "/officer/")
	who := "citizen"
	id, start, scope := "/", "/", "/"
	if officer {
		who, id, start, scope = "officer", "/officer", "/officer", "/officer"
	}
	t := func(l, key string) string { return s.Catalogue.T(l, key) }
	var icons []manifestIcon
	for _, ic := range iconSizes {
		if ic.size < 192 {
			continue
		}
		mi := manifestIcon{Src: s.hashed[ic.name], Sizes: "512x512", Type: "image/png", Purpose: "any"}
		if ic.size == 192 {
			mi.Sizes = "192x192"
		}
		if ic.maskable {
			mi.Purpose = "maskable"
		}
		icons = append(icons, mi)
	}
	m := map[string]any{
		"id": id, "start_url": start, "scope": scope, "display": "standalone", "orientation": "portrait",
		"lang": lang, "dir": "ltr",
		"name":             t(lang, "pwa."+who+".name"),
		"short_name":       t(lang, "pwa."+who+".short_name"),
		"description":      t(lang, "pwa."+who+".description") + " · " + t(other, "pwa."+who+".name"),
		"background_color": "#ffffff", "theme_color": "#0b3d91",
		"icons": icons,
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		s.fail(w, r, grievance.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "application/manifest+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

// offlinePage is what the service worker shows for a page that was never
// opened while online; it is kept when the worker installs.
func (s *Server) offlinePage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Lang = s.staffLang(r)
	p.Title = p.T("pwa.offline.title")
	s.render(w, http.StatusOK, "offline", p)
}

// TL translates key into lang, whatever the page's language (the offline
// page speaks both).
func (p *page) TL(lang, key string) string { return p.s.Catalogue.T(lang, key) }

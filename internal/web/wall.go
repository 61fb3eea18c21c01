package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/live"
)

// wallView is the live wall's first paint.
type wallView struct {
	S         grievance.WallStats
	After     int64  // the live event the figures were counted after
	Tiles     string // tile URL template, "" without a map
	Credit    string
	Points    string // today's located complaints, JSON [[lat, long], …]
	Channels  []grievance.Channel
	Working   []grievance.Status
	MaxOpen   int
	AreaHeat  []areaHeat
	Helpline  bool
	Help      helplineView
	AgeLabels [4]string
}

type areaHeat struct {
	Code, Name string
	Count      int
	Percent    int
}

// wallStats computes the figures at this moment for the district's day.
func (s *Server) wallStats(r *http.Request) (grievance.WallStats, error) {
	now := s.Now()
	l := now.In(s.Location)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.Location)
	return s.Wall.Wall(r.Context(), now, day)
}

// controlOnly lets only the control room (supervisors, the DM) through;
// everyone else gets 403.
func (s *Server) controlOnly(w http.ResponseWriter, r *http.Request) bool {
	if !identityFrom(r).Actor.ControlRoom() {
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.forbidden"))
		return false
	}
	return true
}

// wallPage is the live wall: large type for a screen across the room,
// updated by server-sent events within a second of any change.
func (s *Server) wallPage(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) {
		return
	}
	// The figures the other walls share (at most wallStatsTTL old; a
	// million complaints take a few hundred milliseconds to count), and the
	// live stream picks up from the bus's position when they were counted.
	st, after, err := s.sharedWallStats(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("wall.title")
	v := wallView{S: st, After: after, Channels: []grievance.Channel{grievance.ChannelWeb, grievance.ChannelApp, grievance.ChannelPhone,
		grievance.ChannelSMS, grievance.ChannelWalkIn, grievance.ChannelOpen311},
		Working: []grievance.Status{grievance.StatusRegistered, grievance.StatusAssigned, grievance.StatusInProgress,
			grievance.StatusReopened, grievance.StatusReturned}}
	for _, d := range st.Departments {
		v.MaxOpen = max(v.MaxOpen, d.Open)
	}
	most := 0
	for _, n := range st.AreasToday {
		most = max(most, n)
	}
	for _, a := range p.Masters.Areas {
		if !p.Masters.Leaf(a.Code) {
			continue
		}
		h := areaHeat{Code: a.Code, Name: p.Area(a.Code), Count: st.AreasToday[a.Code]}
		if most > 0 {
			h.Percent = h.Count * 100 / most
		}
		v.AreaHeat = append(v.AreaHeat, h)
	}
	if s.MapTiles != "" {
		v.Tiles, v.Credit = s.MapTiles, s.MapAttribution
		pts := make([][2]float64, len(st.PointsToday))
		for i, pt := range st.PointsToday {
			pts[i] = [2]float64{pt.Lat, pt.Long}
		}
		b, _ := json.Marshal(pts)
		v.Points = string(b)
	}
	if s.Helpline != nil && s.Calls != nil {
		if hv, err := s.helplineData(r); err == nil {
			v.Helpline, v.Help = true, hv
		}
	}
	p.Data = v
	s.render(w, http.StatusOK, "wall", p)
}

// wallStatsTTL is how long the figures of the periodic correction are
// shared: every open wall asks once a minute, and hundreds of walls must
// not each make the database count every open complaint.
const wallStatsTTL = 5 * time.Second

// sharedWallStats returns figures at most wallStatsTTL old, with the ID of
// the newest live event before they were counted: a screen that streams
// the events after it misses no change (one counted already may come
// again, until the next correction).
func (s *Server) sharedWallStats(r *http.Request) (grievance.WallStats, int64, error) {
	c := &s.wallCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := s.Now(); c.at.IsZero() || now.Sub(c.at) >= wallStatsTTL || now.Before(c.at) {
		var after int64
		if s.Bus != nil {
			after = s.Bus.Last()
		}
		st, err := s.wallStats(r)
		if err != nil {
			return st, 0, err
		}
		c.st, c.at, c.after = st, now, after
	}
	return c.st, c.after, nil
}

// wallJSON gives the figures for the wall's periodic correction.
func (s *Server) wallJSON(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) {
		return
	}
	st, _, err := s.sharedWallStats(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{
		"today": st.Today, "last_hour": st.LastHour, "open": st.Open, "ages": st.Ages,
		"overdue": st.Overdue, "escalated": st.Escalated, "departments": st.Departments,
	})
}

// feedItem is a change as the wall's script receives it.
type feedItem struct {
	Kind       string   `json:"kind"`
	Action     string   `json:"action"`
	Number     string   `json:"number"`
	Status     string   `json:"status"`
	From       string   `json:"from"`
	StatusName string   `json:"status_name"`
	Channel    string   `json:"channel"`
	Category   string   `json:"category"`
	Area       string   `json:"area"`
	Department string   `json:"department"`
	Time       string   `json:"time"`
	Lat        *float64 `json:"lat,omitempty"`
	Long       *float64 `json:"long,omitempty"`
}

// streamWriteTimeout bounds each write to an event stream.
const streamWriteTimeout = 30 * time.Second

// wallEvents streams changes as server-sent events. A reconnecting screen
// sends Last-Event-ID and gets what it missed; one that missed too much
// gets a "reload" event.
func (s *Server) wallEvents(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) {
		return
	}
	rc := http.NewResponseController(w)
	// A reconnecting screen says where it was (Last-Event-ID); a new one
	// where its page's figures were counted (?after=).
	last, fromPage := r.Header.Get("Last-Event-ID"), false
	if last == "" {
		last, fromPage = r.URL.Query().Get("after"), true
	}
	after, _ := strconv.ParseInt(last, 10, 64)
	sub, missed, ok := s.Bus.Subscribe(after, 2048)
	defer sub.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	// Streams outlive the server's write timeout, but each write has a
	// deadline of its own: a screen that stops reading (or a client that
	// opens streams and never reads them) would otherwise hold its
	// goroutine and buffers for ever.
	alive := func() { rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) }
	alive()
	if r.Method == http.MethodHead {
		return // a GET route answers HEAD too: headers only, not a stream that never ends
	}
	p := s.newPage(r, identityFrom(r))
	fmt.Fprint(w, "retry: 2000\n\n")
	if !ok && !fromPage {
		// Reloading a page whose figures are older than the bus remembers
		// would only load the same figures again; the minute's correction
		// mends them instead.
		fmt.Fprint(w, "event: reload\ndata: {}\n\n")
	}
	lang := p.Lang
	send := func(e live.Event) error {
		b := s.wire.get(e.ID, lang, func() []byte {
			c := e.Change
			f := feedItem{Kind: string(c.Kind), Action: p.Action(c.Kind), Number: c.Number, Status: string(c.Status),
				From: string(c.From), StatusName: p.Status(c.Status), Channel: string(c.Channel), Category: p.Category(c.Category),
				Area: p.Area(c.Area), Department: p.Department(c.Department), Time: c.At.In(s.Location).Format("15:04:05")}
			if c.Location != nil {
				f.Lat, f.Long = &c.Location.Lat, &c.Location.Long
			}
			b, _ := json.Marshal(f)
			return b
		})
		_, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", e.ID, b)
		return err
	}
	for _, e := range missed {
		if send(e) != nil {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	beat := time.NewTicker(15 * time.Second)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.Stop:
			return
		case e, open := <-sub.C:
			if !open {
				return // too slow: the screen reconnects and catches up
			}
			alive() // once for the events written before the next flush, not for each
			if send(e) != nil {
				return
			}
			// Under heavy intake, write what else is waiting (up to a
			// quarter of a second's worth) before flushing once.
			for more := true; more; {
				select {
				case e, open := <-sub.C:
					if !open {
						return
					}
					if send(e) != nil {
						return
					}
				default:
					more = false
				}
			}
		case <-beat.C:
			alive()
			if _, err := fmt.Fprint(w, ": beat\n\n"); err != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// wireCache keeps each change rendered once per language for the event
// streams: hundreds of open walls share one rendering instead of each
// marshalling every change.
type wireCache struct {
	mu    sync.Mutex
	slots [4096]struct {
		id   int64
		lang string
		b    []byte
	}
}

// get returns the rendering of event id in lang, making it with render
// when it is not cached.
func (c *wireCache) get(id int64, lang string, render func() []byte) []byte {
	i := int(uint64(id)%uint64(len(c.slots)/2)) * 2 // two slots an event: Hindi, English
	if lang == "en" {
		i++
	}
	c.mu.Lock()
	sl := &c.slots[i]
	if sl.id == id && sl.lang == lang {
		b := sl.b
		c.mu.Unlock()
		return b
	}
	c.mu.Unlock()
	b := render()
	c.mu.Lock()
	sl.id, sl.lang, sl.b = id, lang, b
	c.mu.Unlock()
	return b
}

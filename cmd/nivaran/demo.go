package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/masters"
	"nivaran/internal/store"
)

// demoCmd fills a data directory with synthetic complaints for a
// demonstration or for measuring at scale: nivaran demo --complaints N.
func demoCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("complaints", 10000, "how many complaints to generate")
	data := fs.String("data", defaultData(), "data directory (created if needed)")
	days := fs.Int("days", 180, "spread the complaints over this many days up to now")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	database := fs.String("database", os.Getenv("NIVARAN_DATABASE_URL"), "PostgreSQL database to fill instead of SQLite in the data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 10_000_000 || *days < 1 || *days > 3650 {
		return errors.New("want --complaints 1 to 10000000 and --days 1 to 3650")
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	start := time.Now()
	done, err := GenerateDemo(ctx, filepath.Join(*data, "nivaran.db"), *database, *n, *days, *seed, time.Now())
	if err != nil {
		return err
	}
	into := *data
	if *database != "" {
		into = "PostgreSQL (photos in " + *data + ")"
	}
	fmt.Printf("generated %d complaints over %d days in %v into %s\n", done, *days, time.Since(start).Round(time.Second), into)
	return nil
}

// demoPhoto stands for the photo of every demonstration report: one
// content-addressed file however many reports.
var demoPhoto = []byte{0xff, 0xd8, 0xff, 0xe0, 'd', 'e', 'm', 'o'}

// demoClock is the store's clock during generation: each complaint is filed
// and acted on at its own moment in the past.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *demoClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// GenerateDemo files n synthetic complaints into the database at path with
// realistic distributions: channels (web, app, phone, some SMS and walk-in),
// categories and areas of the default masters weighted unevenly, filing
// times spread over days up to now with more recent ones, a tenth from
// repeat complainants, locations inside the district, and lives that
// progress as they would: most accepted and resolved (some late, some
// reopened by the citizen), some returned as the wrong department, the
// youngest still open. It loads the default masters into an empty database.
// It writes with synchronous=OFF: demonstration data, not records.
//
// With database set, the complaints go into that PostgreSQL database
// instead (photos still in the blobs directory next to path): the same
// data through the same store, one write at a time (slower: every write
// is a PostgreSQL transaction).
func GenerateDemo(ctx context.Context, path, database string, n, days int, seed uint64, now time.Time) (int, error) {
	clock := &demoClock{t: now}
	blobs, err := blob.NewDir(filepath.Join(filepath.Dir(path), "blobs"))
	if err != nil {
		return 0, err
	}
	st, err := store.Open(ctx, store.Options{Path: path, DatabaseURL: database, Now: clock.Now, Bulk: true, Blobs: blobs})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	m, err := st.Masters(ctx)
	if err != nil {
		return 0, err
	}
	if len(m.Departments) == 0 {
		def, err := masters.Default()
		if err != nil {
			return 0, err
		}
		if err := st.ReplaceMasters(ctx, def); err != nil {
			return 0, err
		}
		if m, err = st.Masters(ctx); err != nil {
			return 0, err
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var cats []string
	for i, c := range m.Categories {
		if c.Active {
			for range 1 + i%4 { // uneven weights
				cats = append(cats, c.Code)
			}
		}
	}
	var areas []string
	for _, a := range m.Areas {
		if m.Leaf(a.Code) {
			areas = append(areas, a.Code)
		}
	}
	channels := []grievance.Channel{grievance.ChannelWeb, grievance.ChannelWeb, grievance.ChannelWeb, grievance.ChannelWeb,
		grievance.ChannelApp, grievance.ChannelApp, grievance.ChannelApp, grievance.ChannelPhone, grievance.ChannelPhone,
		grievance.ChannelWalkIn}
	names := []string{"राम कुमार", "सीता देवी", "मोहम्मद इरफ़ान", "गीता वर्मा", "Suresh Yadav", "Anita Singh", "राजेश गुप्ता", "फ़ातिमा बानो"}
	repeaters := make([]string, 2000)
	for i := range repeaters {
		repeaters[i] = fmt.Sprintf("9%09d", rng.IntN(1_000_000_000))
	}
	control := grievance.Actor{UserID: 1, Login: "demo", Roles: []grievance.Role{grievance.RoleSupervisor}}
	span := time.Duration(days) * 24 * time.Hour
	done := 0
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		// More recent complaints are more frequent: the square skews to now.
		age := time.Duration(float64(span) * rng.Float64() * rng.Float64())
		at := now.Add(-age)
		mobile := fmt.Sprintf("%d%09d", 6+rng.IntN(4), rng.IntN(1_000_000_000))
		if rng.IntN(10) == 0 {
			mobile = repeaters[rng.IntN(len(repeaters))]
		}
		in := grievance.NewComplaint{
			Name: names[rng.IntN(len(names))], Mobile: mobile, Language: grievance.Hindi,
			Channel: channels[rng.IntN(len(channels))], Category: cats[rng.IntN(len(cats))], Area: areas[rng.IntN(len(areas))],
			Address: fmt.Sprintf("मकान %d, गली %d", 1+rng.IntN(400), 1+rng.IntN(40)), Description: "कृपया शीघ्र कार्यवाही करें।",
		}
		if rng.IntN(3) > 0 {
			in.Location = &grievance.Point{Lat: 26.75 + rng.Float64()*0.2, Long: 80.85 + rng.Float64()*0.2}
		}
		if rng.IntN(4) == 0 {
			in.Language = grievance.English
		}
		clock.Set(at)
		c, err := st.File(ctx, in)
		if err != nil {
			return done, fmt.Errorf("demo: file %d: %w", i, err)
		}
		done++
		if c.AssigneeID == 0 || age < 24*time.Hour {
			continue // still new
		}
		o := m.Officer(c.AssigneeID)
		officer := grievance.Actor{UserID: 1000 + o.ID, Login: o.Code, Roles: []grievance.Role{grievance.RoleOfficer}, Officer: o}
		act := func(after time.Duration, a grievance.Actor, x grievance.Action) bool {
			t := at.Add(after)
			if t.After(now) {
				return false
			}
			clock.Set(t)
			_, err := st.Act(ctx, a, c.Number, x)
			return err == nil
		}
		switch r := rng.IntN(100); {
		case r < 5: // wrong department: returned, the control room sends it back
			if act(3*time.Hour, officer, grievance.Action{Kind: grievance.ActReturn, Note: "हमारे विभाग का नहीं"}) {
				act(6*time.Hour, control, grievance.Action{Kind: grievance.ActReassign, Department: c.Department, Target: o})
			}
		case r < 15: // never acted on: overdue
		default:
			if !act(2*time.Hour, officer, grievance.Action{Kind: grievance.ActAccept}) {
				continue
			}
			took := time.Duration(1+rng.IntN(10*24)) * time.Hour
			report := grievance.Action{Kind: grievance.ActReport, Note: "कार्य पूर्ण किया गया।",
				Photos: []grievance.Upload{{ContentType: "image/jpeg", Data: demoPhoto}}}
			if in.Location != nil {
				report.Location = in.Location
			} else {
				report.Location = &grievance.Point{Lat: 26.85, Long: 80.95}
			}
			if !act(took, officer, report) {
				continue
			}
			citizen := grievance.CitizenActor(c.Mobile)
			if rng.IntN(8) == 0 {
				act(took+24*time.Hour, citizen, grievance.Action{Kind: grievance.ActCitizenReject, Note: "समस्या बनी हुई है"})
			} else if rng.IntN(2) == 0 {
				act(took+12*time.Hour, citizen, grievance.Action{Kind: grievance.ActCitizenAccept})
			}
		}
	}
	return done, nil
}

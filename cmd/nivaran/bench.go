package main

// nivaran bench: the figures in one command. It starts its own server on a
// temporary data directory and measures, side by side, intake at several
// concurrencies, the ceilings of the same machine in the same run (a bare
// net/http handler over the same loopback and client; the database's raw
// durable insert rate), tracking-page reads, the live wall's fan-out and
// memory; with --sustain it also holds a paced load (1,000 complaints a
// second, 200 walls, tracking reads) and reports its latency and memory
// curve window by window.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/bench"
)

// benchOptions are nivaran bench's flags.
type benchOptions struct {
	duration     time.Duration // each measured phase
	quick        bool
	jsonPath     string
	concurrency  []int
	walls        int
	fanoutRate   float64
	sustain      time.Duration
	rate         float64 // sustained intake per second
	sustainWalls int
	readRate     float64 // sustained tracking reads per second
	window       time.Duration
	keep         bool
	heapProfiles string // directory for a heap profile after each sustained window
	server       string // "child" (the server in a process of its own) or "self"
	serverBin    string // the binary run as the child; this one by default
	progress     io.Writer
	out          io.Writer
}

// benchFigure is one measured row.
type benchFigure struct {
	Name      string  `json:"name"`
	Clients   int     `json:"clients,omitempty"`
	N         int     `json:"n"`
	PerSecond float64 `json:"per_second"` // successful requests per second
	P50ms     float64 `json:"p50_ms"`
	P95ms     float64 `json:"p95_ms"`
	P99ms     float64 `json:"p99_ms"`
	Failures  int     `json:"failures"`
	FirstErr  string  `json:"first_failure,omitempty"`
	VsRaw     float64 `json:"vs_raw_insert,omitempty"` // this rate / the raw insert ceiling
	VsBare    float64 `json:"vs_bare_http,omitempty"`  // this rate / the bare HTTP ceiling
}

func figure(name string, clients int, r bench.Result) benchFigure {
	// Per second counts answered requests only: a paced run's failures
	// (shed by the client, refused by the server) are not throughput.
	ok := 0.0
	if r.Elapsed > 0 {
		ok = float64(r.N-r.Failures) / r.Elapsed.Seconds()
	}
	return benchFigure{Name: name, Clients: clients, N: r.N, PerSecond: ok, P50ms: r.Pct(50), P95ms: r.Pct(95), P99ms: r.Pct(99),
		Failures: r.Failures, FirstErr: r.First}
}

// benchFanout is the live wall's fan-out.
type benchFanout struct {
	Walls      int     `json:"walls"`
	Rate       float64 `json:"intake_rate"` // paced complaints per second while the walls watch
	Complaints int     `json:"complaints"`  // acknowledged with 201
	Deliveries int64   `json:"deliveries"`  // changes that reached a wall
	Expected   int64   `json:"expected"`    // complaints × walls
	P50ms      float64 `json:"lag_p50_ms"`
	P99ms      float64 `json:"lag_p99_ms"`
	MaxMs      float64 `json:"lag_max_ms"`
	Connected  int     `json:"connected_at_end"`
}

// benchWindow is one window of the sustained run.
type benchWindow struct {
	EndS      float64     `json:"end_s"`
	Intake    benchFigure `json:"intake"`
	Reads     benchFigure `json:"reads"`
	RSSBytes  int64       `json:"rss_bytes"`  // the server's (with --server self: the whole process's)
	HeapBytes uint64      `json:"heap_bytes"` // allocated now (--server self only)
	// LiveHeapBytes is the heap the last collection found live.
	LiveHeapBytes uint64 `json:"live_heap_bytes"`
	HeapGoalBytes uint64 `json:"heap_goal_bytes"`      // the next collection's goal
	AnonBytes     int64  `json:"rss_anon_bytes"`       // RSS not backed by files: Go's heap and stacks, SQLite's caches
	Goroutines    int    `json:"goroutines,omitempty"` // --server self only
	// LoadRSSBytes is the load generator's RSS (--server child only).
	LoadRSSBytes int64 `json:"load_rss_bytes,omitempty"`
}

// benchSustain is the held load.
type benchSustain struct {
	Duration string        `json:"duration"`
	Rate     float64       `json:"target_rate"`
	ReadRate float64       `json:"target_read_rate"`
	Intake   benchFigure   `json:"intake"`
	Reads    benchFigure   `json:"reads"`
	Fanout   benchFanout   `json:"fanout"`
	Windows  []benchWindow `json:"windows"`
}

// benchReport is the whole run, written as JSON with --json.
type benchReport struct {
	Started   time.Time      `json:"started"`
	GoVersion string         `json:"go_version"`
	CPUs      int            `json:"cpus"`
	Phase     string         `json:"phase_duration"`
	Quick     bool           `json:"quick"`
	Server    string         `json:"server"` // "child": figures of memory are the server's; "self": server and load generator
	Note      string         `json:"note"`
	BareHTTP  benchFigure    `json:"bare_http"`
	RawInsert benchFigure    `json:"raw_insert"`
	Intake    []benchFigure  `json:"intake"`
	Tracking  benchFigure    `json:"tracking"`
	Fanout    benchFanout    `json:"fanout"`
	Memory    []bench.Memory `json:"memory"`
	PeakRSS   int64          `json:"peak_rss_bytes"`
	PeakHeap  uint64         `json:"peak_heap_bytes"` // --server child: the peak live heap
	Sustain   *benchSustain  `json:"sustain,omitempty"`
}

func benchCmd(ctx context.Context, args []string) error {
	return benchMain(ctx, args, os.Stdout, os.Stderr)
}

// benchMain is nivaran bench with its table going to out and its progress
// bar to progress.
func benchMain(ctx context.Context, args []string, out, progress io.Writer) error {
	o, err := parseBench(args)
	if err != nil {
		return err
	}
	o.progress, o.out = progress, out
	rep, err := runBench(ctx, o)
	if err != nil {
		return err
	}
	printBench(o.out, rep)
	if o.jsonPath != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.jsonPath, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("bench: --json: %w", err)
		}
		fmt.Fprintf(o.out, "\nwrote %s\n", o.jsonPath)
	}
	return nil
}

func parseBench(args []string) (benchOptions, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := benchOptions{}
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured phase")
	fs.BoolVar(&o.quick, "quick", false, "short run: 1 s phases, fewer concurrencies and walls")
	fs.StringVar(&o.jsonPath, "json", "", "also write the figures as JSON to this file")
	conc := fs.String("concurrency", "1,8,64,256", "intake concurrencies, comma-separated")
	fs.IntVar(&o.walls, "walls", 100, "live-wall event streams for the fan-out phase")
	fs.Float64Var(&o.fanoutRate, "fanout-rate", 500, "paced complaints per second during the fan-out phase")
	fs.DurationVar(&o.sustain, "sustain", 0, "also hold a paced load this long (e.g. 5m)")
	fs.Float64Var(&o.rate, "rate", 1000, "complaints per second during --sustain")
	fs.IntVar(&o.sustainWalls, "sustain-walls", 200, "live-wall event streams during --sustain")
	fs.Float64Var(&o.readRate, "read-rate", 200, "tracking-page reads per second during --sustain")
	fs.DurationVar(&o.window, "window", 10*time.Second, "--sustain reports latency and memory per window of this length")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary data directory")
	fs.StringVar(&o.heapProfiles, "heap-profiles", "", "write a heap profile of this process after each --sustain window into this directory (go tool pprof -base)")
	fs.StringVar(&o.server, "server", "child", "child: run the server as a separate process (the same binary), so that memory figures are the server's alone; self: in this process with the load generator")
	fs.StringVar(&o.serverBin, "server-bin", "", "the binary to run with --server child (this one by default)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.server != "child" && o.server != "self" {
		return o, fmt.Errorf("bench: --server %q: want child or self", o.server)
	}
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return o, fmt.Errorf("bench: --concurrency: %q is not a positive number", s)
		}
		o.concurrency = append(o.concurrency, n)
	}
	if o.quick {
		if !flagSet(fs, "duration") {
			o.duration = time.Second
		}
		if !flagSet(fs, "concurrency") {
			o.concurrency = []int{1, 16, 64}
		}
		if !flagSet(fs, "walls") {
			o.walls = 20
		}
		if !flagSet(fs, "fanout-rate") {
			o.fanoutRate = 200
		}
	}
	if o.duration <= 0 || o.walls < 1 || o.fanoutRate <= 0 || o.rate <= 0 || o.readRate <= 0 || o.window <= 0 {
		return o, errors.New("bench: durations, walls and rates must be positive")
	}
	return o, nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// runBench starts a server on a temporary data directory and measures it.
func runBench(ctx context.Context, o benchOptions) (*benchReport, error) {
	dir, err := os.MkdirTemp("", "nivaran-bench-")
	if err != nil {
		return nil, err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	password := auth.NewPassword()
	srv, err := startBenchServer(ctx, o, dir, password)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	base := srv.base

	rep := &benchReport{Started: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.GOMAXPROCS(0), Phase: o.duration.String(), Quick: o.quick,
		Server: srv.mode, Note: "server and load generator run in one process on loopback: memory figures include both"}
	if srv.mode == "child" {
		rep.Note = "the server runs as a child process: memory figures are the server's alone (RSS from /proc, live heap from its GC trace)"
	}
	d := o.duration
	plan := d*time.Duration(4+len(o.concurrency)) + 2*time.Second + o.sustain
	prog := bench.NewProgress(o.progress, plan)
	sampler := bench.NewSamplerOf(500*time.Millisecond, srv.memory)
	defer func() {
		if sampler != nil {
			sampler.Stop()
		}
	}()
	bodies := bench.Bodies(1024)
	maxC := max(64, slicesMax(o.concurrency))
	hc := bench.NewClient(maxC)
	defer hc.CloseIdleConnections()

	// Ceilings, same client, same loopback.
	prog.Phase("ceiling: bare net/http, 64 clients", d)
	bare, err := bench.NewBareServer()
	if err != nil {
		return nil, err
	}
	bareRes := bench.DriveFor(ctx, hc, 64, d, bench.PostJSON(bare.URL, bodies, 0), http.StatusCreated, nil, prog.Tick)
	bare.Close()
	if err := bareRes.Err("bare HTTP"); err != nil {
		return nil, err
	}
	rep.BareHTTP = figure("bare net/http handler, 201", 64, bareRes)
	prog.Phase("ceiling: raw durable insert", d)
	raw, err := bench.RawInsert(ctx, filepath.Join(dir, "raw-ceiling.db"), bodies, 1<<30, d)
	if err != nil {
		return nil, err
	}
	rep.RawInsert = figure("raw SQLite insert, 1 row/tx, FULL", 1, raw)

	// Intake at each concurrency; the answers' tracking links feed the
	// reads.
	var linksMu sync.Mutex
	var links []string
	var filed bench.Filed
	seen := func(i int, body []byte) {
		filed.Note(bench.Number(body))
		if l := jsonString(body, "track_url"); l != "" {
			linksMu.Lock()
			if len(links) < 10000 {
				links = append(links, base+l)
			}
			linksMu.Unlock()
		}
	}
	target := base + "/api/v1/complaints"
	for i, cl := range o.concurrency {
		prog.Phase(fmt.Sprintf("intake, %d clients", cl), d)
		r := bench.DriveFor(ctx, hc, cl, d, bench.PostJSON(target, bodies, i*7919), http.StatusCreated, seen, prog.Tick)
		f := figure("POST /api/v1/complaints", cl, r)
		f.VsRaw, f.VsBare = ratio(r.Rate(), raw.Rate()), ratio(r.Rate(), bareRes.Rate())
		rep.Intake = append(rep.Intake, f)
	}
	if len(links) == 0 {
		return nil, errors.New("bench: no complaint was filed")
	}

	prog.Phase("tracking page reads, 64 clients", d)
	tr := bench.DriveFor(ctx, hc, 64, d, bench.Get(links), http.StatusOK, nil, prog.Tick)
	rep.Tracking = figure("GET /c/{number} (tracking page)", 64, tr)

	prog.Phase(fmt.Sprintf("fan-out to %d walls", o.walls), d+2*time.Second)
	cookies, err := bench.Login(base, "admin", password)
	if err != nil {
		return nil, err
	}
	rep.Fanout, err = fanout(ctx, srv, hc, cookies, o.walls, o.fanoutRate, d, bodies, prog)
	if err != nil {
		return nil, err
	}

	if o.sustain > 0 {
		rep.Sustain, err = sustain(ctx, srv, hc, cookies, o, bodies, links, prog)
		if err != nil {
			return nil, err
		}
	}
	prog.Finish()
	rep.Memory = sampler.Stop()
	sampler = nil
	rep.PeakRSS, rep.PeakHeap = bench.Peak(rep.Memory)
	return rep, nil
}

// fanout opens walls event streams and files complaints at rate for d,
// measuring how long after each 201 the change reached each wall.
func fanout(ctx context.Context, srv *benchServer, hc *http.Client, cookies []*http.Cookie, walls int, rate float64, d time.Duration, bodies [][]byte, prog *bench.Progress) (benchFanout, error) {
	var filed bench.Filed
	ws, err := bench.OpenWalls(srv.base+"/control/wall/events", cookies, walls, &filed)
	if err != nil {
		return benchFanout{}, err
	}
	seen := filed.Seen()
	r := bench.Paced(ctx, hc, rate, d, 1024, bench.PostJSON(srv.base+"/api/v1/complaints", bodies, 333), http.StatusCreated,
		func(i int, b []byte) { seen(i, b); prog.Tick() })
	time.Sleep(2 * time.Second) // the last changes reach the walls
	connected := srv.connected(ws)
	ws.Close()
	if err := r.Err("fan-out intake"); err != nil {
		return benchFanout{}, err
	}
	return benchFanout{Walls: walls, Rate: rate, Complaints: filed.Count(), Deliveries: ws.Lag.N(), Expected: int64(filed.Count()) * int64(walls),
		P50ms: ms(ws.Lag.Quantile(0.5)), P99ms: ms(ws.Lag.Quantile(0.99)), MaxMs: ms(ws.Lag.Max()), Connected: connected}, nil
}

// sustain holds paced intake and tracking reads with walls open for
// o.sustain, window by window.
func sustain(ctx context.Context, srv *benchServer, hc *http.Client, cookies []*http.Cookie, o benchOptions, bodies [][]byte, links []string, prog *bench.Progress) (*benchSustain, error) {
	prog.Phase(fmt.Sprintf("sustain %.0f/s, %d walls, %.0f reads/s", o.rate, o.sustainWalls, o.readRate), o.sustain)
	var filed bench.Filed
	ws, err := bench.OpenWalls(srv.base+"/control/wall/events", cookies, o.sustainWalls, &filed)
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	s := &benchSustain{Duration: o.sustain.String(), Rate: o.rate, ReadRate: o.readRate}
	seen := filed.Seen()
	var intake, reads bench.Result
	start := time.Now()
	// Whole windows of paced time (a window ends when its last answer
	// arrives, so the run may last a little longer than o.sustain).
	for off := 0; time.Duration(off)*o.window < o.sustain && ctx.Err() == nil; off++ {
		w := min(o.window, o.sustain-time.Duration(off)*o.window)
		var wi, wr bench.Result
		var wg sync.WaitGroup
		wg.Go(func() {
			wi = bench.Paced(ctx, hc, o.rate, w, 2048, bench.PostJSON(srv.base+"/api/v1/complaints", bodies, off*101), http.StatusCreated,
				func(i int, b []byte) { seen(i, b); prog.Tick() })
		})
		wg.Go(func() { wr = bench.Paced(ctx, hc, o.readRate, w, 1024, bench.Get(links), http.StatusOK, nil) })
		wg.Wait()
		mem, gen := srv.memory(), bench.ReadMemory()
		if o.heapProfiles != "" {
			if err := writeHeapProfile(filepath.Join(o.heapProfiles, fmt.Sprintf("heap-%03d.pb.gz", off+1))); err != nil {
				return nil, err
			}
		}
		s.Windows = append(s.Windows, benchWindow{EndS: time.Since(start).Seconds(), Intake: figure("intake", 0, wi), Reads: figure("reads", 0, wr),
			RSSBytes: mem.RSSBytes, HeapBytes: mem.HeapBytes, LiveHeapBytes: mem.LiveHeapBytes,
			HeapGoalBytes: mem.HeapGoalBytes, AnonBytes: mem.AnonBytes, Goroutines: mem.Goroutines})
		if srv.mode == "child" {
			s.Windows[len(s.Windows)-1].LoadRSSBytes = gen.RSSBytes
		}
		intake.Add(wi)
		reads.Add(wr)
	}
	time.Sleep(2 * time.Second)
	s.Intake = figure("POST /api/v1/complaints (paced)", 0, intake)
	s.Reads = figure("GET /c/{number} (paced)", 0, reads)
	s.Fanout = benchFanout{Walls: o.sustainWalls, Rate: o.rate, Complaints: filed.Count(), Deliveries: ws.Lag.N(),
		Expected: int64(filed.Count()) * int64(o.sustainWalls), P50ms: ms(ws.Lag.Quantile(0.5)), P99ms: ms(ws.Lag.Quantile(0.99)),
		MaxMs: ms(ws.Lag.Max()), Connected: srv.connected(ws)}
	return s, nil
}

// writeHeapProfile writes this process's heap profile, after a collection
// so that it shows what is live, to path.
func writeHeapProfile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("bench: --heap-profiles: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: --heap-profiles: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("bench: --heap-profiles: %w", err)
	}
	return f.Close()
}

// printBench writes the human-readable table.
func printBench(w io.Writer, r *benchReport) {
	fmt.Fprintf(w, "nivaran bench — %s, %d CPUs, %s per phase (%s)\n\n", r.GoVersion, r.CPUs, r.Phase, r.Started.Format(time.RFC3339))
	fmt.Fprintf(w, "%-36s %7s %11s %8s %8s %8s %8s %8s %8s\n", "", "clients", "per second", "p50 ms", "p95 ms", "p99 ms", "failed", "×raw", "×bare")
	row := func(f benchFigure) {
		rat := func(v float64) string {
			if v == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", v)
		}
		cl := "-"
		if f.Clients > 0 {
			cl = strconv.Itoa(f.Clients)
		}
		fmt.Fprintf(w, "%-36s %7s %11.0f %8.2f %8.2f %8.2f %8d %8s %8s\n", f.Name, cl, f.PerSecond, f.P50ms, f.P95ms, f.P99ms, f.Failures, rat(f.VsRaw), rat(f.VsBare))
	}
	fmt.Fprintln(w, "ceilings (same run, same machine)")
	row(r.BareHTTP)
	row(r.RawInsert)
	fmt.Fprintln(w, "intake (durable: synchronous=FULL, SMS outbox on)")
	for _, f := range r.Intake {
		row(f)
	}
	fmt.Fprintln(w, "reads")
	row(r.Tracking)
	printFanout(w, "live wall fan-out", r.Fanout)
	heap := "peak heap"
	if r.Server == "child" {
		heap = "peak live heap"
	}
	fmt.Fprintf(w, "memory: peak RSS %s, %s %s (%s)\n", mib(r.PeakRSS), heap, mib(int64(r.PeakHeap)), r.Note)
	if s := r.Sustain; s != nil {
		fmt.Fprintf(w, "\nsustained %s at %.0f complaints/s and %.0f tracking reads/s with %d walls\n", s.Duration, s.Rate, s.ReadRate, s.Fanout.Walls)
		row(s.Intake)
		row(s.Reads)
		printFanout(w, "fan-out", s.Fanout)
		last, lastHead := func(x benchWindow) string { return strconv.Itoa(x.Goroutines) }, "gor."
		if r.Server == "child" {
			// The server's own goroutines are not visible from here; the load
			// generator's RSS shows what the other process held.
			last, lastHead = func(x benchWindow) string { return fmt.Sprintf("%.1f", float64(x.LoadRSSBytes)/(1<<20)) }, "load RSS"
		}
		mb := func(b uint64) float64 { return float64(b) / (1 << 20) }
		fmt.Fprintf(w, "memory per window: %s\n", r.Note)
		fmt.Fprintf(w, "%8s %10s %9s %9s %7s %10s %9s %9s %9s %9s %9s %9s\n", "end s", "intake/s", "p50 ms", "p99 ms", "failed", "reads p99", "failed",
			"RSS MiB", "anon MiB", "live MiB", "goal MiB", lastHead)
		for _, x := range s.Windows {
			fmt.Fprintf(w, "%8.0f %10.0f %9.2f %9.2f %7d %10.2f %9d %9.1f %9.1f %9.1f %9.1f %9s\n", x.EndS, x.Intake.PerSecond, x.Intake.P50ms, x.Intake.P99ms, x.Intake.Failures,
				x.Reads.P99ms, x.Reads.Failures, mb(uint64(x.RSSBytes)), mb(uint64(x.AnonBytes)), mb(x.LiveHeapBytes), mb(x.HeapGoalBytes), last(x))
		}
	}
}

func printFanout(w io.Writer, title string, f benchFanout) {
	fmt.Fprintf(w, "%s: %d walls, %d complaints at %.0f/s, %d of %d deliveries, lag p50 %.1f ms p99 %.1f ms max %.1f ms, %d connected at the end\n",
		title, f.Walls, f.Complaints, f.Rate, f.Deliveries, f.Expected, f.P50ms, f.P99ms, f.MaxMs, f.Connected)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func slicesMax(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// jsonString returns the string value of "key" in a flat JSON object's
// prefix (the API's answer), or "".
func jsonString(body []byte, key string) string {
	k := []byte(`"` + key + `":"`)
	i := bytes.Index(body, k)
	if i < 0 {
		return ""
	}
	rest := body[i+len(k):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(body[i+len(k)-1:i+len(k)+j+1], &s); err != nil {
		return ""
	}
	return s
}

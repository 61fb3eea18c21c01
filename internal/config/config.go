// Package config holds Nivaran's configuration: one struct, filled once from
// flags and environment variables (with _FILE variants for secrets),
// validated at start-up with messages that name the variable.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of a Nivaran server.
type Config struct {
	Addr          string // NIVARAN_ADDR, --addr
	Data          string // NIVARAN_DATA, --data
	Database      string // NIVARAN_DATABASE_URL(_FILE), --database: postgres://… runs on PostgreSQL; empty: SQLite in Data
	BaseURL       string // NIVARAN_BASE_URL: public address, for links in SMS
	AdminPassword string // NIVARAN_ADMIN_PASSWORD(_FILE): first run only
	DemoPassword  string // NIVARAN_DEMO_PASSWORD(_FILE): first run only, for the placeholder officers
	Secret        string // NIVARAN_SECRET(_FILE): HMAC key; generated into the data directory when unset
	Timezone      string // NIVARAN_TIMEZONE
	Location      *time.Location

	RateLimits    string // NIVARAN_RATE_LIMITS: "off" or "N/s", "N/m", "N/h"
	RateLimit     Rate   // parsed RateLimits; zero when off
	MaxPhotoBytes int64  // NIVARAN_MAX_PHOTO_MB (megabytes)
	LoginLockout  int    // NIVARAN_LOGIN_LOCKOUT: failed sign-ins before the account locks
	LockoutFor    time.Duration
	SessionTTL    time.Duration // NIVARAN_SESSION_HOURS
	SecureCookies bool          // set when BaseURL is https
	LogLevel      string        // NIVARAN_LOG_LEVEL: debug, info, warn, error

	// Deadlines.
	EscalationDays int           // NIVARAN_ESCALATION_DAYS: working days at each level above the first
	WarnBefore     time.Duration // NIVARAN_WARN_HOURS: warn the officer this long before the deadline
	VerifyWithin   time.Duration // NIVARAN_VERIFY_DAYS: a resolution the citizen does not answer closes after this
	SweepEvery     time.Duration // NIVARAN_SWEEP_SECONDS: how often the scheduler looks for due work
	ProofDistance  int           // NIVARAN_PROOF_DISTANCE_M: how far a report's photo may be from the complaint
	DupDistance    int           // NIVARAN_DUPLICATE_DISTANCE_M: complaints this close are probable duplicates
	DupWindow      time.Duration // NIVARAN_DUPLICATE_DAYS: … when filed within this of each other
	SaturdaysOff   []int         // NIVARAN_SATURDAYS_OFF: Saturdays of the month that are off, e.g. "2" or "2,4"; "none"
	OfficeHours    string        // NIVARAN_OFFICE_HOURS: e.g. "10:00-18:00", for ladders counted in hours
	WorkStart      time.Duration // parsed OfficeHours
	WorkEnd        time.Duration

	// The live wall's map: a tile server (e.g. an in-house one, since
	// control rooms may have no internet); without one the wall shows the
	// area heat grid.
	MapTiles       string // NIVARAN_MAP_TILES: URL template with {z}, {x}, {y}
	MapAttribution string // NIVARAN_MAP_ATTRIBUTION: credit line the tiles' licence asks for
	MapOrigin      string // scheme://host[:port] of MapTiles, for the CSP

	SMSGateway string // NIVARAN_SMS_GATEWAY: log (default), kannel, nic, cdac, msg91, or off (no SMS at all)
	SMS        SMS

	SIP SIP // the phone helpline (sip.go)
	// WriteWait is how long a write waits for the database's writer before
	// the request fails with 503 and Retry-After (NIVARAN_WRITE_WAIT); 0:
	// the store's default.
	WriteWait time.Duration
}

// SMS holds the SMS settings (see the notifications part of the README).
type SMS struct {
	EntityID  string // NIVARAN_SMS_ENTITY_ID: DLT principal entity ID
	Header    string // NIVARAN_SMS_HEADER: registered sender ID
	URL       string // NIVARAN_SMS_URL: gateway address (kannel: http://host:port)
	User      string // NIVARAN_SMS_USER
	Password  string // NIVARAN_SMS_PASSWORD(_FILE)
	Templates string // NIVARAN_SMS_TEMPLATES: JSON file of DLT-registered templates
	TrackURL  string // NIVARAN_SMS_TRACK_URL: short address in citizen messages (≤30 characters)
	SecureKey string // NIVARAN_SMS_SECURE_KEY(_FILE): CDAC's key secret
	// KannelTLV names the smpp-tlv groups of Kannel's configuration that
	// carry the DLT entity and template IDs, "pe,template"
	// (NIVARAN_SMS_KANNEL_TLV); empty when Kannel or the SMSC adds them.
	KannelTLV string

	// Retries and claims of the outbox dispatcher. The defaults suit a
	// production gateway; tests shorten them to cover an outage in seconds.
	RetryBase   time.Duration // NIVARAN_SMS_RETRY_BASE: first retry delay bound, doubling each attempt
	RetryMax    time.Duration // NIVARAN_SMS_RETRY_MAX: largest retry delay bound
	MaxAttempts int           // NIVARAN_SMS_MAX_ATTEMPTS: attempts before a temporary failure becomes final
	Lease       time.Duration // NIVARAN_SMS_LEASE: how long a claimed message stays claimed; one send may take a quarter of it
}

// Rate is a number of events per interval.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether no limit applies.
func (r Rate) Off() bool { return r.N == 0 }

// Default returns the defaults, before flags and environment.
func Default() Config {
	return Config{
		Addr:           ":8080",
		Data:           "./nivaran-data",
		Timezone:       "Asia/Kolkata",
		RateLimits:     "60/m",
		MaxPhotoBytes:  5 << 20,
		LoginLockout:   5,
		LockoutFor:     15 * time.Minute,
		SessionTTL:     12 * time.Hour,
		LogLevel:       "info",
		SMSGateway:     "log",
		EscalationDays: 3,
		WarnBefore:     24 * time.Hour,
		VerifyWithin:   7 * 24 * time.Hour,
		SweepEvery:     30 * time.Second,
		ProofDistance:  500,
		DupDistance:    200,
		DupWindow:      7 * 24 * time.Hour,
		SaturdaysOff:   []int{2},
		OfficeHours:    "10:00-18:00",
		SMS:            SMS{RetryBase: 5 * time.Second, RetryMax: time.Hour, MaxAttempts: 40, Lease: 2 * time.Minute},
	}
}

// Load fills a Config from args (flags) and getenv (environment), flags
// winning, and validates it.
func Load(args []string, getenv func(string) string) (Config, error) {
	c := Default()
	var errs []error
	str := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	secret := func(dst *string, name string) {
		str(dst, name)
		if f := getenv(name + "_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			*dst = strings.TrimSpace(string(b))
		}
	}
	num := func(dst *int, name string, min, max int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < min || n > max {
				errs = append(errs, fmt.Errorf("%s: want a whole number from %d to %d, got %q", name, min, max, v))
				return
			}
			*dst = n
		}
	}
	dur := func(dst *time.Duration, name string, min, max time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < min || d > max {
				errs = append(errs, fmt.Errorf("%s: want a duration from %s to %s, got %q", name, min, max, v))
				return
			}
			*dst = d
		}
	}
	str(&c.Addr, "NIVARAN_ADDR")
	str(&c.Data, "NIVARAN_DATA")
	secret(&c.Database, "NIVARAN_DATABASE_URL")
	str(&c.BaseURL, "NIVARAN_BASE_URL")
	secret(&c.AdminPassword, "NIVARAN_ADMIN_PASSWORD")
	secret(&c.DemoPassword, "NIVARAN_DEMO_PASSWORD")
	secret(&c.Secret, "NIVARAN_SECRET")
	str(&c.Timezone, "NIVARAN_TIMEZONE")
	str(&c.RateLimits, "NIVARAN_RATE_LIMITS")
	str(&c.LogLevel, "NIVARAN_LOG_LEVEL")
	mb := int(c.MaxPhotoBytes >> 20)
	num(&mb, "NIVARAN_MAX_PHOTO_MB", 1, 50)
	c.MaxPhotoBytes = int64(mb) << 20
	num(&c.LoginLockout, "NIVARAN_LOGIN_LOCKOUT", 1, 100)
	hours := int(c.SessionTTL / time.Hour)
	num(&hours, "NIVARAN_SESSION_HOURS", 1, 24*30)
	c.SessionTTL = time.Duration(hours) * time.Hour
	str(&c.MapTiles, "NIVARAN_MAP_TILES")
	str(&c.MapAttribution, "NIVARAN_MAP_ATTRIBUTION")
	str(&c.SMSGateway, "NIVARAN_SMS_GATEWAY")
	num(&c.EscalationDays, "NIVARAN_ESCALATION_DAYS", 1, 60)
	warn := int(c.WarnBefore / time.Hour)
	num(&warn, "NIVARAN_WARN_HOURS", 0, 24*14)
	c.WarnBefore = time.Duration(warn) * time.Hour
	verify := int(c.VerifyWithin / (24 * time.Hour))
	num(&verify, "NIVARAN_VERIFY_DAYS", 1, 90)
	c.VerifyWithin = time.Duration(verify) * 24 * time.Hour
	num(&c.ProofDistance, "NIVARAN_PROOF_DISTANCE_M", 10, 100000)
	num(&c.DupDistance, "NIVARAN_DUPLICATE_DISTANCE_M", 10, 10000)
	dupDays := int(c.DupWindow / (24 * time.Hour))
	num(&dupDays, "NIVARAN_DUPLICATE_DAYS", 1, 90)
	c.DupWindow = time.Duration(dupDays) * 24 * time.Hour
	if v := getenv("NIVARAN_SATURDAYS_OFF"); v != "" {
		c.SaturdaysOff = nil
		if v != "none" {
			for _, f := range strings.Split(v, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || n < 1 || n > 5 {
					errs = append(errs, fmt.Errorf("NIVARAN_SATURDAYS_OFF: want numbers 1-5 separated by commas, or none; got %q", v))
					break
				}
				c.SaturdaysOff = append(c.SaturdaysOff, n)
			}
		}
	}
	str(&c.OfficeHours, "NIVARAN_OFFICE_HOURS")
	sweep := int(c.SweepEvery / time.Second)
	num(&sweep, "NIVARAN_SWEEP_SECONDS", 1, 3600)
	c.SweepEvery = time.Duration(sweep) * time.Second
	str(&c.SMS.EntityID, "NIVARAN_SMS_ENTITY_ID")
	str(&c.SMS.Header, "NIVARAN_SMS_HEADER")
	str(&c.SMS.URL, "NIVARAN_SMS_URL")
	str(&c.SMS.User, "NIVARAN_SMS_USER")
	secret(&c.SMS.Password, "NIVARAN_SMS_PASSWORD")
	str(&c.SMS.Templates, "NIVARAN_SMS_TEMPLATES")
	str(&c.SMS.TrackURL, "NIVARAN_SMS_TRACK_URL")
	secret(&c.SMS.SecureKey, "NIVARAN_SMS_SECURE_KEY")
	str(&c.SMS.KannelTLV, "NIVARAN_SMS_KANNEL_TLV")
	dur(&c.SMS.RetryBase, "NIVARAN_SMS_RETRY_BASE", 10*time.Millisecond, time.Hour)
	dur(&c.SMS.RetryMax, "NIVARAN_SMS_RETRY_MAX", 10*time.Millisecond, 24*time.Hour)
	num(&c.SMS.MaxAttempts, "NIVARAN_SMS_MAX_ATTEMPTS", 1, 1000)
	dur(&c.SMS.Lease, "NIVARAN_SMS_LEASE", 2*time.Second, time.Hour)
	loadSIP(&c.SIP, getenv, &errs)
	dur(&c.WriteWait, "NIVARAN_WRITE_WAIT", 10*time.Millisecond, time.Minute)

	fs := flag.NewFlagSet("nivaran", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (NIVARAN_ADDR)")
	fs.StringVar(&c.Data, "data", c.Data, "data directory (NIVARAN_DATA)")
	fs.StringVar(&c.Database, "database", c.Database, "PostgreSQL database, postgres://… (NIVARAN_DATABASE_URL); default SQLite in the data directory")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	var errs []error
	if open, close, ok := parseHours(c.OfficeHours); ok {
		c.WorkStart, c.WorkEnd = open, close
	} else {
		errs = append(errs, fmt.Errorf("NIVARAN_OFFICE_HOURS: want opening and closing like 10:00-18:00, got %q", c.OfficeHours))
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		errs = append(errs, fmt.Errorf("NIVARAN_TIMEZONE: unknown time zone %q", c.Timezone))
	}
	c.Location = loc
	// The feedback call comes before the resolution closes unverified: a
	// default that would not (NIVARAN_VERIFY_DAYS=1) halves the window; a
	// value the operator chose is refused.
	if c.SIP.FeedbackAfter >= c.VerifyWithin {
		if c.SIP.FeedbackSet {
			errs = append(errs, fmt.Errorf("NIVARAN_FEEDBACK_CALL_AFTER: %s is not before the resolution closes unverified (NIVARAN_VERIFY_DAYS, %s); shorten it or set 0 to turn the calls off",
				c.SIP.FeedbackAfter, c.VerifyWithin))
		} else {
			c.SIP.FeedbackAfter = c.VerifyWithin / 2
		}
	}
	c.RateLimit, err = ParseRate(c.RateLimits)
	if err != nil {
		errs = append(errs, fmt.Errorf("NIVARAN_RATE_LIMITS: %w", err))
	}
	if c.Data == "" {
		errs = append(errs, errors.New("NIVARAN_DATA: must not be empty"))
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		// Not echoed: the address may carry a password.
		errs = append(errs, errors.New("NIVARAN_DATABASE_URL: want postgres://user:password@host:port/database"))
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("NIVARAN_BASE_URL: want http://… or https://…, got %q", c.BaseURL))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.SecureCookies = strings.HasPrefix(c.BaseURL, "https://")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("NIVARAN_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel))
	}
	switch c.SMSGateway {
	case "log", "kannel", "nic", "cdac", "msg91", "off":
	default:
		errs = append(errs, fmt.Errorf("NIVARAN_SMS_GATEWAY: want log, kannel, nic, cdac, msg91 or off, got %q", c.SMSGateway))
	}
	if v := c.SMS.KannelTLV; v != "" {
		if a, b, ok := strings.Cut(v, ","); !ok || strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
			errs = append(errs, fmt.Errorf("NIVARAN_SMS_KANNEL_TLV: want two smpp-tlv names, entity then template, like dlt_pe_id,dlt_template_id; got %q", v))
		}
	}
	if c.MapTiles != "" {
		u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{s}", "a").Replace(c.MapTiles))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			!strings.Contains(c.MapTiles, "{z}") || !strings.Contains(c.MapTiles, "{x}") || !strings.Contains(c.MapTiles, "{y}") ||
			strings.Contains(c.MapTiles, "{s}") {
			errs = append(errs, fmt.Errorf("NIVARAN_MAP_TILES: want an http(s) URL with {z}, {x} and {y} (no {s}), got %q", c.MapTiles))
		} else {
			c.MapOrigin = u.Scheme + "://" + u.Host
		}
	}
	if c.SMS.TrackURL == "" {
		host := strings.TrimPrefix(strings.TrimPrefix(c.BaseURL, "https://"), "http://")
		if host == "" {
			host = "localhost:8080"
		}
		c.SMS.TrackURL = host + "/t"
	}
	if len(c.SMS.TrackURL) > 30 || strings.ContainsAny(c.SMS.TrackURL, " \t\n") {
		errs = append(errs, fmt.Errorf("NIVARAN_SMS_TRACK_URL: at most 30 characters without spaces (it fills an SMS template slot), got %q", c.SMS.TrackURL))
	}
	if c.SMSGateway != "log" && c.SMSGateway != "off" && c.SMS.URL == "" {
		errs = append(errs, fmt.Errorf("NIVARAN_SMS_URL: required for the %s gateway", c.SMSGateway))
	}
	if c.SMS.RetryMax < c.SMS.RetryBase {
		errs = append(errs, fmt.Errorf("NIVARAN_SMS_RETRY_MAX: %s is less than NIVARAN_SMS_RETRY_BASE %s", c.SMS.RetryMax, c.SMS.RetryBase))
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 10 {
		errs = append(errs, errors.New("NIVARAN_ADMIN_PASSWORD: use at least 10 characters"))
	}
	return errors.Join(errs...)
}

// ParseRate parses "off" or "N/s", "N/m", "N/h".
func ParseRate(s string) (Rate, error) {
	if s == "off" {
		return Rate{}, nil
	}
	n, unit, ok := strings.Cut(s, "/")
	v, err := strconv.Atoi(n)
	if !ok || err != nil || v < 1 {
		return Rate{}, fmt.Errorf("want off or a rate like 60/m, got %q", s)
	}
	per := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	if per == 0 {
		return Rate{}, fmt.Errorf("want a unit s, m or h, got %q", s)
	}
	return Rate{N: v, Per: per}, nil
}

// parseHours reads "HH:MM-HH:MM" with the opening before the closing.
func parseHours(v string) (open, close time.Duration, ok bool) {
	a, b, found := strings.Cut(v, "-")
	if !found {
		return 0, 0, false
	}
	o, err1 := time.Parse("15:04", strings.TrimSpace(a))
	c, err2 := time.Parse("15:04", strings.TrimSpace(b))
	if err1 != nil || err2 != nil || !o.Before(c) {
		return 0, 0, false
	}
	day := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	return o.Sub(day), c.Sub(day), true
}

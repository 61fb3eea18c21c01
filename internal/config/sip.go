package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// SIP holds the phone helpline's settings (NIVARAN_SIP_*). The helpline is
// off unless NIVARAN_SIP_ADDR is set: a SIP port open to a network is an
// invitation to toll fraud scanners, so the operator must choose it (and
// its firewall) on purpose; "on" means 0.0.0.0:5060, the SIP default.
type SIP struct {
	Addr          string         // NIVARAN_SIP_ADDR: UDP host:port; "" (default) is off; "on" is 0.0.0.0:5060
	ExternalHost  string         // NIVARAN_SIP_EXTERNAL_HOST: address phones and the trunk reach us at (NAT)
	Trunks        []netip.Prefix // NIVARAN_SIP_TRUNKS: source addresses of the trunk/gateway (CIDR list); default 127.0.0.1/32,::1/128
	TrunkUser     string         // NIVARAN_SIP_TRUNK_USER: or credentials the trunk authenticates INVITEs with
	TrunkPassword string         // NIVARAN_SIP_TRUNK_PASSWORD(_FILE)
	TrunkDial     string         // NIVARAN_SIP_TRUNK_DIAL: outbound calls through the trunk, a SIP URI with {n}, e.g. sip:{n}@10.0.0.1
	Helplines     string         // NIVARAN_SIP_HELPLINES: code:did,did:lang,lang[:missed];… (default: district 1076, visitors 1077, missed call 1078)
	Prompts       string         // NIVARAN_SIP_PROMPTS: directory of WAV prompts (8 kHz mono 16-bit) replacing the built-in placeholders
	RingTimeout   time.Duration  // NIVARAN_SIP_RING_SECONDS: offer to an agent this long, then the next (default 15)
	WrapUp        time.Duration  // NIVARAN_SIP_WRAPUP_SECONDS: after-call work before the next offer (default 10)
	Lockout       int            // NIVARAN_SIP_LOCKOUT: wrong digest answers before a phone account locks for 15 minutes (default 5)
	RecordingDays int            // NIVARAN_RECORDING_DAYS: recordings older than this are deleted; 0 keeps them (default 90)
	// The verification step's automatic feedback call: this long after a
	// resolution the citizen has not answered, the server calls them once
	// (through NIVARAN_SIP_TRUNK_DIAL) and asks. 0 is off.
	FeedbackAfter time.Duration // NIVARAN_FEEDBACK_CALL_AFTER: a duration like 24h (default 24h); 0 turns the calls off
	FeedbackLines int           // NIVARAN_FEEDBACK_CALL_LINES: feedback calls one server places at once (default 2)
	FeedbackSet   bool          // NIVARAN_FEEDBACK_CALL_AFTER was given (then it must be shorter than the verification window)
}

func loadSIP(c *SIP, getenv func(string) string, errs *[]error) {
	fail := func(format string, a ...any) { *errs = append(*errs, fmt.Errorf(format, a...)) }
	c.Addr = strings.TrimSpace(getenv("NIVARAN_SIP_ADDR"))
	if c.Addr == "on" {
		c.Addr = "0.0.0.0:5060"
	}
	if c.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil {
			fail("NIVARAN_SIP_ADDR: want host:port like 0.0.0.0:5060 (or on), got %q", c.Addr)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			fail("NIVARAN_SIP_ADDR: bad port in %q", c.Addr)
		}
	}
	c.ExternalHost = getenv("NIVARAN_SIP_EXTERNAL_HOST")
	trunks := getenv("NIVARAN_SIP_TRUNKS")
	if trunks == "" {
		trunks = "127.0.0.1/32,::1/128"
	}
	c.Trunks = nil
	if trunks != "none" {
		for _, f := range strings.Split(trunks, ",") {
			f = strings.TrimSpace(f)
			p, err := netip.ParsePrefix(f)
			if err != nil {
				if a, err2 := netip.ParseAddr(f); err2 == nil {
					p = netip.PrefixFrom(a, a.BitLen())
				} else {
					fail("NIVARAN_SIP_TRUNKS: want addresses or CIDR prefixes separated by commas (or none), got %q", f)
					continue
				}
			}
			c.Trunks = append(c.Trunks, p)
		}
	}
	c.TrunkUser = getenv("NIVARAN_SIP_TRUNK_USER")
	c.TrunkPassword = getenv("NIVARAN_SIP_TRUNK_PASSWORD")
	if f := getenv("NIVARAN_SIP_TRUNK_PASSWORD_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			fail("NIVARAN_SIP_TRUNK_PASSWORD_FILE: %w", err)
		}
		c.TrunkPassword = strings.TrimSpace(string(b))
	}
	if (c.TrunkUser == "") != (c.TrunkPassword == "") {
		*errs = append(*errs, errors.New("NIVARAN_SIP_TRUNK_USER and NIVARAN_SIP_TRUNK_PASSWORD: set both or neither"))
	}
	c.TrunkDial = getenv("NIVARAN_SIP_TRUNK_DIAL")
	if c.TrunkDial != "" && (!strings.HasPrefix(c.TrunkDial, "sip:") || !strings.Contains(c.TrunkDial, "{n}")) {
		fail("NIVARAN_SIP_TRUNK_DIAL: want a SIP URI with {n} for the number, like sip:{n}@10.0.0.1:5060, got %q", c.TrunkDial)
	}
	c.Helplines = getenv("NIVARAN_SIP_HELPLINES")
	c.Prompts = getenv("NIVARAN_SIP_PROMPTS")
	secs := func(dst *time.Duration, name string, def, min, max int) {
		n := def
		if v := getenv(name); v != "" {
			var err error
			n, err = strconv.Atoi(v)
			if err != nil || n < min || n > max {
				fail("%s: want a whole number of seconds from %d to %d, got %q", name, min, max, v)
				return
			}
		}
		*dst = time.Duration(n) * time.Second
	}
	secs(&c.RingTimeout, "NIVARAN_SIP_RING_SECONDS", 15, 3, 120)
	secs(&c.WrapUp, "NIVARAN_SIP_WRAPUP_SECONDS", 10, 0, 600)
	c.Lockout, c.RecordingDays, c.FeedbackLines, c.FeedbackAfter = 5, 90, 2, 24*time.Hour
	if v := strings.TrimSpace(getenv("NIVARAN_FEEDBACK_CALL_AFTER")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 90*24*time.Hour {
			fail("NIVARAN_FEEDBACK_CALL_AFTER: want a duration like 24h (0 turns the feedback calls off), at most 2160h, got %q", v)
		} else {
			c.FeedbackAfter, c.FeedbackSet = d, true
		}
	}
	for _, v := range []struct {
		dst      *int
		name     string
		min, max int
	}{{&c.Lockout, "NIVARAN_SIP_LOCKOUT", 1, 100}, {&c.RecordingDays, "NIVARAN_RECORDING_DAYS", 0, 3650},
		{&c.FeedbackLines, "NIVARAN_FEEDBACK_CALL_LINES", 1, 50}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < v.min || n > v.max {
				fail("%s: want a whole number from %d to %d, got %q", v.name, v.min, v.max, s)
				continue
			}
			*v.dst = n
		}
	}
}

package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	c, err := Load([]string{"--addr", ":9999"}, env(map[string]string{
		"NIVARAN_ADDR": ":1", "NIVARAN_DATA": "/tmp/x", "NIVARAN_RATE_LIMITS": "off", "NIVARAN_MAX_PHOTO_MB": "2",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9999" {
		t.Errorf("Addr = %q, want the flag to win", c.Addr)
	}
	if c.Data != "/tmp/x" || !c.RateLimit.Off() || c.MaxPhotoBytes != 2<<20 {
		t.Errorf("got %+v", c)
	}
	if c.Location == nil {
		t.Error("Location not set")
	}
	if c.Database != "" {
		t.Errorf("Database = %q without NIVARAN_DATABASE_URL, want SQLite", c.Database)
	}
	c, err = Load([]string{"--database", "postgres://db/b"}, env(map[string]string{"NIVARAN_DATABASE_URL": "postgres://db/a"}))
	if err != nil || c.Database != "postgres://db/b" {
		t.Errorf("--database: %q %v, want the flag to win", c.Database, err)
	}
}

func TestLoadErrorsNameVariable(t *testing.T) {
	tests := []struct{ name, value string }{
		{"NIVARAN_RATE_LIMITS", "lots"},
		{"NIVARAN_RATE_LIMITS", "5/d"},
		{"NIVARAN_TIMEZONE", "Mars/Olympus"},
		{"NIVARAN_MAX_PHOTO_MB", "0"},
		{"NIVARAN_LOGIN_LOCKOUT", "x"},
		{"NIVARAN_BASE_URL", "ftp://x"},
		{"NIVARAN_LOG_LEVEL", "loud"},
		{"NIVARAN_SMS_GATEWAY", "pigeon"},
		{"NIVARAN_ADMIN_PASSWORD", "short"},
		{"NIVARAN_SECRET_FILE", "/no/such/file"},
		{"NIVARAN_SATURDAYS_OFF", "2,x"},
		{"NIVARAN_SATURDAYS_OFF", "6"},
		{"NIVARAN_OFFICE_HOURS", "18:00-10:00"},
		{"NIVARAN_OFFICE_HOURS", "9"},
		{"NIVARAN_SMS_KANNEL_TLV", "only_one"},
		{"NIVARAN_MAP_TILES", "ftp://tiles/{z}/{x}/{y}.png"},
		{"NIVARAN_MAP_TILES", "http://tiles/{z}/{x}.png"},
		{"NIVARAN_SMS_RETRY_BASE", "5"},
		{"NIVARAN_SMS_RETRY_MAX", "1ms"},
		{"NIVARAN_SMS_MAX_ATTEMPTS", "0"},
		{"NIVARAN_SMS_LEASE", "1s"},
		{"NIVARAN_DATABASE_URL", "mysql://db/nivaran"},
		{"NIVARAN_DATABASE_URL_FILE", "/no/such/file"},
	}
	for _, tt := range tests {
		_, err := Load(nil, env(map[string]string{tt.name: tt.value}))
		if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(tt.name, "_FILE")) {
			t.Errorf("%s=%q: err = %v, want an error naming the variable", tt.name, tt.value, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	r, err := ParseRate("120/m")
	if err != nil || r.N != 120 || r.Per != time.Minute {
		t.Errorf("ParseRate = %+v, %v", r, err)
	}
}

func TestCalendarSettings(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"NIVARAN_SATURDAYS_OFF": "2,4", "NIVARAN_OFFICE_HOURS": "09:30-17:30"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SaturdaysOff) != 2 || c.SaturdaysOff[1] != 4 || c.WorkStart != 9*time.Hour+30*time.Minute || c.WorkEnd != 17*time.Hour+30*time.Minute {
		t.Errorf("got %v %v %v", c.SaturdaysOff, c.WorkStart, c.WorkEnd)
	}
	c, _ = Load(nil, env(map[string]string{"NIVARAN_SATURDAYS_OFF": "none"}))
	if len(c.SaturdaysOff) != 0 {
		t.Errorf("none: %v", c.SaturdaysOff)
	}
}

func TestSIPConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := Load(nil, env(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP.Addr != "" || len(c.SIP.Trunks) != 2 || c.SIP.RingTimeout != 15*time.Second || c.SIP.RecordingDays != 90 ||
		c.SIP.FeedbackAfter != 24*time.Hour || c.SIP.FeedbackLines != 2 {
		t.Errorf("defaults: %+v", c.SIP)
	}
	c, err = Load(nil, env(map[string]string{"NIVARAN_SIP_ADDR": "on", "NIVARAN_SIP_TRUNKS": "10.0.0.1,192.168.0.0/24",
		"NIVARAN_SIP_RING_SECONDS": "20", "NIVARAN_SIP_WRAPUP_SECONDS": "0", "NIVARAN_FEEDBACK_CALL_AFTER": "0", "NIVARAN_FEEDBACK_CALL_LINES": "5"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP.Addr != "0.0.0.0:5060" || len(c.SIP.Trunks) != 2 || c.SIP.Trunks[0].String() != "10.0.0.1/32" || c.SIP.WrapUp != 0 ||
		c.SIP.FeedbackAfter != 0 || c.SIP.FeedbackLines != 5 {
		t.Errorf("set: %+v", c.SIP)
	}
	if c, err := Load(nil, env(map[string]string{"NIVARAN_VERIFY_DAYS": "1"})); err != nil || c.SIP.FeedbackAfter != 12*time.Hour {
		t.Errorf("a one-day verification window: feedback call after %v (%v), want the default halved to 12h", c.SIP.FeedbackAfter, err)
	}
	for _, bad := range []map[string]string{
		{"NIVARAN_SIP_ADDR": "5060"},
		{"NIVARAN_SIP_TRUNKS": "ten"},
		{"NIVARAN_SIP_TRUNK_USER": "t"},
		{"NIVARAN_SIP_TRUNK_DIAL": "sip:x@y"},
		{"NIVARAN_SIP_RING_SECONDS": "1"},
		{"NIVARAN_RECORDING_DAYS": "-1"},
		{"NIVARAN_FEEDBACK_CALL_AFTER": "a day"},
		{"NIVARAN_FEEDBACK_CALL_AFTER": "-1h"},
		{"NIVARAN_FEEDBACK_CALL_AFTER": "168h"}, // not before the 7 days of NIVARAN_VERIFY_DAYS
		{"NIVARAN_FEEDBACK_CALL_LINES": "0"},
	} {
		_, err := Load(nil, env(bad))
		var name string
		for k := range bad {
			name = k
		}
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want one naming %s", bad, err, name)
		}
	}
}

package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/telephony"
)

// startHelpline starts the SIP server when NIVARAN_SIP_ADDR is set.
func (m *Main) startHelpline(secret []byte, blobs grievance.BlobStore, cat *i18n.Catalogue) error {
	c := m.Config.SIP
	if c.Addr == "" {
		return nil
	}
	hs := telephony.DefaultHelplines()
	if c.Helplines != "" {
		var err error
		if hs, err = telephony.ParseHelplines(c.Helplines); err != nil {
			return fmt.Errorf("NIVARAN_SIP_HELPLINES: %w", err)
		}
	}
	srv, err := telephony.New(telephony.Config{
		Addr: c.Addr, ExternalHost: c.ExternalHost, Secret: secret, Trunks: c.Trunks,
		TrunkUser: c.TrunkUser, TrunkPassword: c.TrunkPassword, TrunkDial: c.TrunkDial, Helplines: hs,
		PromptDir: c.Prompts, RecordDir: filepath.Join(m.Config.Data, "recordings-tmp"),
		RingTimeout: c.RingTimeout, WrapUp: c.WrapUp, Lockout: c.Lockout, Now: m.Now, Log: slog.Default(),
		Retention: time.Duration(c.RecordingDays) * 24 * time.Hour,
	}, m.Store, blobs, nil)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	m.Helpline = srv
	// The verification step's feedback call needs a way out to the
	// citizens' mobiles: the trunk.
	if c.FeedbackAfter > 0 && c.TrunkDial != "" {
		m.verifier = &telephony.Verifier{Phone: srv, Store: m.Store, Complaints: m.Store, Note: bothLanguages(cat),
			After: c.FeedbackAfter, VerifyWithin: m.Config.VerifyWithin, Lines: c.FeedbackLines, Now: m.Now, Log: slog.Default()}
	}
	return nil
}

// bothLanguages gives a catalogue key's text in Hindi and English, for
// what the system writes once into a history both read.
func bothLanguages(cat *i18n.Catalogue) func(string) string {
	return func(key string) string { return cat.T("hi", key) + " / " + cat.T("en", key) }
}

// helplineControl is the web's view of the helpline: nil (no helpline
// pages act) when it is off.
func (m *Main) helplineControl() grievance.HelplineControl {
	if m.Helpline == nil {
		return nil
	}
	return m.Helpline
}

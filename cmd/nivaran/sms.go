package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"nivaran/internal/config"
	"nivaran/internal/i18n"
	"nivaran/internal/notify"
)

// smsParts are the notification pieces the server wires together.
type smsParts struct {
	planner *notify.Planner
	gateway notify.Gateway
	log     *notify.LogGateway // set for the log gateway: its recent messages
	signer  *notify.Signer
	catalog *notify.Catalogue // as configured: the "registered default" an edit can be reset to
	// mu serialises template edits (each builds on the catalogue in
	// force); edited holds the keys of the templates edited in the browser.
	mu     sync.Mutex
	edited map[string]bool
}

// newSMS builds the SMS templates (checked now: a template that could not
// match its DLT registration stops the start-up), the planner and the
// gateway that the configuration names. With NIVARAN_SMS_GATEWAY=off it
// returns nil: no messages are planned, queued or sent.
func newSMS(c *config.Config, cat *i18n.Catalogue, secret []byte, baseURL string) (*smsParts, error) {
	if c.SMSGateway == "off" {
		return nil, nil
	}
	templates := notify.DefaultTemplates()
	if c.SMS.Templates != "" {
		f, err := os.Open(c.SMS.Templates)
		if err != nil {
			return nil, fmt.Errorf("NIVARAN_SMS_TEMPLATES: %w", err)
		}
		defer f.Close()
		if templates, err = notify.LoadTemplates(f); err != nil {
			return nil, fmt.Errorf("NIVARAN_SMS_TEMPLATES: %w", err)
		}
	}
	entity, header := c.SMS.EntityID, c.SMS.Header
	if entity == "" {
		entity = "1000000000000000000" // placeholder until the district's DLT registration is configured
	}
	if header == "" {
		header = "NIVRAN"
	}
	tc, err := notify.NewCatalogue(templates, entity, header)
	if err != nil {
		return nil, fmt.Errorf("SMS templates: %w", err)
	}
	if ph := tc.Placeholders(); len(ph) > 0 && c.SMSGateway != "log" {
		slog.Warn("SMS templates still carry placeholder DLT IDs: operators will drop these messages", "count", len(ph))
	}
	p, err := notify.NewPlanner(tc, notify.PlannerOptions{TrackURL: c.SMS.TrackURL, Location: c.Location, Labels: cat})
	if err != nil {
		return nil, fmt.Errorf("NIVARAN_SMS_TRACK_URL: %w", err)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("sms-dlr"))
	signer, err := notify.NewSigner(baseURL, mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	parts := &smsParts{planner: p, signer: signer, catalog: tc}
	switch c.SMSGateway {
	case "log":
		parts.log = notify.NewLogGateway(slog.Default(), 200)
		parts.gateway = parts.log
	case "kannel":
		g := &notify.KannelGateway{URL: c.SMS.URL, Username: c.SMS.User, Password: c.SMS.Password, Timeout: 10 * time.Second}
		if pe, tpl, ok := strings.Cut(c.SMS.KannelTLV, ","); ok {
			g.PETLV, g.TemplateTLV = strings.TrimSpace(pe), strings.TrimSpace(tpl)
		}
		parts.gateway = g
	default:
		prof := notify.Profiles()[c.SMSGateway]
		prof.URL, prof.Username, prof.Password, prof.SecureKey = c.SMS.URL, c.SMS.User, c.SMS.Password, c.SMS.SecureKey
		g, err := notify.NewHTTPGateway(prof, &http.Client{Timeout: 15 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("NIVARAN_SMS_GATEWAY %s: %w", c.SMSGateway, err)
		}
		parts.gateway = g
	}
	return parts, nil
}

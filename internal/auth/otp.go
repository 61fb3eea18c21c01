package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// Limits of citizens' one-time codes; the web's "my complaints" uses the
// same values and the same keyed hash, so a code works on either surface.
const (
	OTPTTL       = 10 * time.Minute
	OTPPerMobile = 3 // codes per mobile per window
	OTPWindow    = 15 * time.Minute
	OTPTries     = 5
)

// Codes sends and checks citizens' one-time codes: a six-digit code goes
// by SMS; the store keeps only its HMAC with the server's secret.
type Codes struct {
	Store  grievance.OTPService
	Secret []byte
	// Message renders the SMS that carries a code; nil when SMS is off.
	Message func(to string, lang grievance.Lang, code string, at time.Time) (grievance.Message, error)
	Now     func() time.Time
}

// OTPHash is what the store keeps of a code.
func OTPHash(secret []byte, mobile, code string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "otp|%s|%s", mobile, code)
	return hex.EncodeToString(m.Sum(nil))
}

// NewOTP returns a random six-digit code.
func NewOTP() string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(b[:])%1_000_000)
}

// Send sends a new code to mobile in lang. EInvalid with field "mobile" for
// a malformed number; EUnavailable when SMS is off; ETooMany when the
// number had its codes for the window.
func (c *Codes) Send(ctx context.Context, mobile string, lang grievance.Lang) error {
	mobile = grievance.NormalizeMobile(mobile)
	if !grievance.ValidMobile(mobile) {
		return (grievance.FieldErrors{"mobile": "error.mobile"}).Err()
	}
	if c.Message == nil {
		return grievance.Errorf(grievance.EUnavailable, "error.sms_off")
	}
	if !lang.Valid() {
		lang = grievance.Hindi
	}
	code := NewOTP()
	now := c.Now()
	msg, err := c.Message(mobile, lang, code, now)
	if err != nil {
		return grievance.Internal(err)
	}
	return c.Store.IssueOTP(ctx, mobile, OTPHash(c.Secret, mobile, code), now.Add(OTPTTL), msg, OTPPerMobile, OTPWindow)
}

// Check consumes mobile's code. It returns the normalised mobile. EInvalid
// with field "mobile" or "code" for a malformed, wrong or void one.
func (c *Codes) Check(ctx context.Context, mobile, code string) (string, error) {
	mobile = grievance.NormalizeMobile(mobile)
	if !grievance.ValidMobile(mobile) {
		return "", (grievance.FieldErrors{"mobile": "error.mobile"}).Err()
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return "", (grievance.FieldErrors{"code": "error.otp_wrong"}).Err()
	}
	if err := c.Store.CheckOTP(ctx, mobile, OTPHash(c.Secret, mobile, code), OTPTries); err != nil {
		if e := grievance.AsError(err); e.Code == grievance.EInvalid {
			return "", (grievance.FieldErrors{"code": e.Key}).Err()
		}
		return "", err
	}
	return mobile, nil
}

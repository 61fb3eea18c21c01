package web

import (
	"crypto/md5"
	"encoding/hex"
)

// sipHA1 is the digest secret the SIP registrar checks (MD5 of
// user:realm:password, as RFC 2617 and every SIP phone compute it).
func sipHA1(user, password string) string {
	h := md5.Sum([]byte(user + ":" + sipRealm + ":" + password))
	return hex.EncodeToString(h[:])
}

package auth

import (
	"testing"
	"time"
)

var fast = Params{Memory: 1024, Time: 1, Threads: 1}

func TestPassword(t *testing.T) {
	h := HashPassword("correct horse", fast)
	if !CheckPassword(h, "correct horse") {
		t.Fatal("right password refused")
	}
	for _, bad := range []string{"", "correct hors", "Correct horse"} {
		if CheckPassword(h, bad) {
			t.Errorf("wrong password %q accepted", bad)
		}
	}
	for _, hash := range []string{"", "plain", "$argon2id$v=19$m=1,t=1,p=1$$", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"} {
		if CheckPassword(hash, "") {
			t.Errorf("malformed hash %q matched", hash)
		}
	}
	if HashPassword("x", fast) == HashPassword("x", fast) {
		t.Error("hashes not salted")
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLimiter(3, time.Minute, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("event %d refused", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("4th event: ok=%v wait=%v, want refused with ~20s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("other key refused")
	}
	now = now.Add(20 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("refill did not happen")
	}
	if ok, _ := NewLimiter(0, time.Minute, nil).Allow("x"); !ok {
		t.Fatal("off limiter refused")
	}
}

func TestNewPassword(t *testing.T) {
	p := NewPassword()
	if len(p) != 16 || p == NewPassword() {
		t.Errorf("NewPassword = %q", p)
	}
}

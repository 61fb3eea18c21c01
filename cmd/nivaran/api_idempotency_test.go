package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIIdempotencyKey: a field app that resends a note (its answer was
// lost) with the same Idempotency-Key gets the same answer, and the
// complaint's history holds the note once; a new key is a new note.
func TestAPIIdempotencyKey(t *testing.T) {
	m := MustRunMain(t, "", nil)
	anon := newAPIClient(t, m, newSpecCheck(t, m.URL()))
	r := anon.post("/api/v1/complaints", map[string]any{"name": "राम कुमार", "mobile": mobileA, "language": "hi",
		"category": "mun-garbage", "area": "w-z1-aminabad", "address": "अमीनाबाद बाज़ार, गली 4", "description": "तीन दिन से कूड़ा नहीं उठा।"})
	if r.Status != http.StatusCreated {
		t.Fatalf("file: %d %s", r.Status, r.Body)
	}
	var filed struct{ Number string }
	r.json(t, &filed)
	officer := anon.as(anon.signIn("mun-l1", testDemoPassword))
	path := "/api/v1/complaints/" + filed.Number
	for i := range 3 {
		if r := officer.post(path+"/note", map[string]any{"note": "स्थल देखा"}, "Idempotency-Key", "field-note-1"); r.Status != http.StatusOK {
			t.Fatalf("note, send %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := officer.post(path+"/note", map[string]any{"note": "स्थल देखा"}, "Idempotency-Key", "field-note-2"); r.Status != http.StatusOK {
		t.Fatalf("note with a new key: %d %s", r.Status, r.Body)
	}
	h := officer.get(path + "/history")
	if h.Status != http.StatusOK {
		t.Fatalf("history: %d %s", h.Status, h.Body)
	}
	if n := strings.Count(h.Body, "स्थल देखा"); n != 2 {
		t.Errorf("the history holds the note %d times after three sends with one key and one with another; want 2\n%s", n, h.Body)
	}
}

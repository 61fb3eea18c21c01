package main

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// postFile sends a multipart form with one file field.
func (c *client) postFile(path string, fields map[string]string, field, name string, data []byte) response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile(field, name)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestHolidayImport: the administrator imports next year's holidays from a
// CSV; deadlines then skip them. A wrong row changes nothing and is named.
func TestHolidayImport(t *testing.T) {
	m := MustRunMain(t, "", nil)
	admin := newClient(t, m)
	admin.lang = "en"
	admin.login("admin", testAdminPassword)
	page := admin.get("/admin/holidays")
	tok := csrf(t, page.Body)
	bad := "date,name_hi,name_en\n2027-01-26,गणतंत्र दिवस,Republic Day\n2027-13-01,गलत,Wrong\n"
	r := admin.postFile("/admin/holidays", map[string]string{"csrf": tok, "year": "2027"}, "file", "h.csv", []byte(bad))
	if r.Status != 422 || !strings.Contains(r.Body, "Row 3") || !strings.Contains(r.Body, "YYYY-MM-DD") {
		t.Fatalf("bad file: %d\n%.1500s", r.Status, r.Body)
	}
	ms, _ := m.Store.Masters(context.Background())
	before := len(ms.Holidays)
	good := "\ufeffdate,name_hi,name_en\n2027-03-22,होली,Holi\n2027-10-29,दीपावली,Diwali\n"
	r = admin.postFile("/admin/holidays", map[string]string{"csrf": tok, "year": "2027"}, "file", "h.csv", []byte(good))
	if r.Status != 303 {
		t.Fatalf("import: %d\n%.1500s", r.Status, r.Body)
	}
	ms, _ = m.Store.Masters(context.Background())
	var n2027 int
	for _, h := range ms.Holidays {
		if strings.HasPrefix(h.Date, "2027-") {
			n2027++
		}
	}
	if n2027 != 2 {
		t.Errorf("2027 holidays: %d (all: %d, before %d), want exactly the 2 imported", n2027, len(ms.Holidays), before)
	}
	if r := admin.get("/admin/holidays"); !strings.Contains(r.Body, "Diwali") {
		t.Error("list lacks the imported holiday")
	}
	// An officer cannot import.
	o := newClient(t, m)
	otok := o.login("mun-l1", testDemoPassword)
	if r := o.postFile("/admin/holidays", map[string]string{"csrf": otok, "year": "2027"}, "file", "h.csv", []byte(good)); r.Status != 403 {
		t.Errorf("officer import: %d", r.Status)
	}
}

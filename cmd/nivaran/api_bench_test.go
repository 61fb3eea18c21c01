package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// benchGet answers GET url with header set, or fails b.
func benchGet(b *testing.B, hc *http.Client, url, token string) int {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := hc.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Errorf("GET %s: %d", url, res.StatusCode)
	}
	return int(n)
}

// BenchmarkAPIToken reads one complaint with an officer's bearer token
// (token, account and complaint looked up per request) and, in the same
// run, the same complaint's public status by number and mobile without a
// token: the ratio is what token authentication costs.
func BenchmarkAPIToken(b *testing.B) {
	m := MustRunMain(b, "", benchEnv(map[string]string{"NIVARAN_DEMO_PASSWORD": testDemoPassword}))
	c, err := m.Store.File(context.Background(), grievance.NewComplaint{Name: "राम", Mobile: "9876543210", Language: grievance.Hindi,
		Channel: grievance.ChannelApp, Category: "mun-garbage", Area: "w-z1-aminabad", Address: "गली 4", Description: "कूड़ा"})
	if err != nil {
		b.Fatal(err)
	}
	hc := newLoadClient()
	defer hc.CloseIdleConnections()
	res, err := hc.Post(m.URL()+"/api/v1/tokens", "application/json",
		jsonReader(map[string]string{"login": "mun-l1", "password": testDemoPassword}))
	if err != nil {
		b.Fatal(err)
	}
	var tok struct{ Token string }
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	run := func(url, token string) float64 {
		var n atomic.Int64
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchGet(b, hc, url, token)
				n.Add(1)
			}
		})
		return float64(n.Load()) / time.Since(start).Seconds()
	}
	b.SetParallelism(8)
	b.ResetTimer()
	authed := run(m.URL()+"/api/v1/complaints/"+c.Number, tok.Token)
	public := run(m.URL()+"/api/v1/complaints/"+c.Number+"?mobile=9876543210", "")
	b.StopTimer()
	b.ReportMetric(authed, "token_reads/s")
	b.ReportMetric(public, "public_reads/s")
	b.ReportMetric(authed/public, "token/public")
}

func jsonReader(v any) io.Reader {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(json.NewEncoder(pw).Encode(v)) }()
	return pr
}

// BenchmarkOpen311Requests lists GeoReport v2 requests at their cap: 1,000
// of 1,200 filed in the default window, as JSON and as XML.
func BenchmarkOpen311Requests(b *testing.B) {
	m := MustRunMain(b, "", benchEnv(nil))
	ctx := context.Background()
	for i := range 1200 {
		_, err := m.Store.File(ctx, grievance.NewComplaint{Name: "राम", Mobile: "9876543210", Language: grievance.Hindi,
			Channel: grievance.ChannelOpen311, Category: []string{"mun-garbage", "jal-leakage"}[i%2], Area: "w-z1-aminabad",
			Address: "गली 4", Description: "कूड़ा", Location: &grievance.Point{Lat: 26.85, Long: 80.94}})
		if err != nil {
			b.Fatal(err)
		}
	}
	hc := newLoadClient()
	defer hc.CloseIdleConnections()
	for _, format := range []string{"json", "xml"} {
		b.Run(format, func(b *testing.B) {
			size := 0
			for b.Loop() {
				size = benchGet(b, hc, m.URL()+"/open311/v2/requests."+format, "")
			}
			b.ReportMetric(float64(size)/1024, "KB/answer")
		})
	}
}

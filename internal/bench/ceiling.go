package bench

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"nivaran/internal/grievance"
	"nivaran/internal/store"
	"slices"
	"time"
)

// bareAnswer is a body like the API's answer to a filing.
var bareAnswer = []byte(`{"number":"2025070012345","status":"assigned","department":"mun","department_name":{"hi":"नगर निगम","en":"Municipal Corporation"},"officer_designation":{"hi":"ज़ोनल सफ़ाई अधिकारी","en":"Zonal Sanitary Officer"},"due":"2025-07-10T18:00:00+05:30","created":"2025-07-07T10:00:00+05:30","track_url":"/t/2025070012345"}`)

// BareServer is the HTTP stack's ceiling: a net/http server on loopback
// whose handler reads and decodes a complaint's JSON body and answers 201
// with a body like the API's. Close stops it.
type BareServer struct {
	URL string
	srv *http.Server
}

// NewBareServer starts a BareServer on 127.0.0.1 at a free port.
func NewBareServer() (*BareServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &BareServer{URL: "http://" + ln.Addr().String() + "/", srv: &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
			var req Complaint
			if err == nil {
				err = json.Unmarshal(body, &req)
			}
			if err != nil || r.Method != http.MethodPost || req.Category == "" {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusCreated)
			w.Write(bareAnswer)
		}),
	}}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *BareServer) Close() error { return s.srv.Close() }

// RawInsert is the database's ceiling: store.RawInsertCeiling over the
// complaints of bodies, as a Result.
func RawInsert(ctx context.Context, path string, bodies [][]byte, n int, limit time.Duration) (Result, error) {
	cs, err := Complaints(bodies)
	if err != nil {
		return Result{}, err
	}
	rows := make([]grievance.NewComplaint, len(cs))
	for i, c := range cs {
		rows[i] = c.New()
	}
	lat, el, err := store.RawInsertCeiling(ctx, path, rows, n, limit)
	if err != nil {
		return Result{}, err
	}
	slices.Sort(lat)
	return Result{N: len(lat), Elapsed: el, Lat: lat}, nil
}

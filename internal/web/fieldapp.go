package web

import "net/http"

// fieldAppRoutes mounts the installable app's files (manifest, service
// worker, icons) and the webhook administration.
func (s *Server) fieldAppRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/webhooks", s.staff(s.adminWebhooks))
	mux.HandleFunc("POST /admin/webhooks", s.staff(s.adminWebhookAdd))
	mux.HandleFunc("POST /admin/webhooks/{id}/delete", s.staff(s.adminWebhookDelete))
}

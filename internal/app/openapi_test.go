package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"tenderdesk/internal/app"
	"tenderdesk/internal/config"
	"tenderdesk/internal/web"
)

// The checked-in OpenAPI document (openapi.json with the fragments of
// openapi.d) is valid 3.0 and describes exactly the routes the assembled app
// serves, with the method and whether it is public.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	merged, err := web.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(merged)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3.0: %v", err)
	}
	cfg := config.MustParse(map[string]string{"db": t.TempDir(), "log-level": "error", "addr": "127.0.0.1:0"})
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s := a.Web
	s.Handler()
	registered := map[string]bool{}
	for _, r := range s.Routes() {
		method, path, _ := strings.Cut(r.Pattern, " ")
		registered[method+" "+path] = true
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %s is not documented in openapi.json", r.Pattern)
			continue
		}
		op := item.GetOperation(method)
		public := op.Security != nil && len(*op.Security) == 0
		if public != (r.Perm == "") {
			t.Errorf("%s: openapi says public=%v, the route's permission is %q", r.Pattern, public, r.Perm)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if path == "/metrics" {
				continue // mounted only when metrics are on
			}
			if !registered[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which the server does not serve", method, path)
			}
		}
	}
	if len(s.Routes()) < 15 {
		t.Fatalf("only %d routes registered", len(s.Routes()))
	}
}

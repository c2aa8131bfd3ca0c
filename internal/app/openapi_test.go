package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"tenderdesk/internal/app"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/config"
	"tenderdesk/internal/web"
)

// The checked-in OpenAPI document (internal/web/openapi.json, generated
// from openapi.d) is valid 3.0 and describes exactly the routes the
// assembled app serves, with the method, whether it is public, an
// operationId, and the 4xx answers the shared middleware can give it.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
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
		for _, code := range middlewareAnswers(method, path, string(r.Perm), op) {
			if op.Responses.Status(code) == nil {
				t.Errorf("%s: the %d the middleware can answer is not documented", r.Pattern, code)
			}
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

// middlewareAnswers are the 4xx (and 503) statuses every route of a kind can answer
// whatever its handler does: 401 (no or bad credentials) and 403 (the role
// lacks the permission, or a cookie-borne change from another site) behind
// authentication; 400, 413 and 415 wherever a JSON body is decoded.
func middlewareAnswers(method, path, perm string, op *openapi3.Operation) []int {
	var codes []int
	if perm != "" {
		// 503: the credential is looked up in the database, which may be
		// down or full (issue 15).
		codes = append(codes, http.StatusUnauthorized, http.StatusServiceUnavailable)
		if perm != "*" || method != http.MethodGet {
			codes = append(codes, http.StatusForbidden)
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil && op.RequestBody.Value.Content.Get("application/json") != nil {
		codes = append(codes, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if strings.Contains(path, "{") {
		codes = append(codes, http.StatusNotFound) // no such object
	}
	return codes
}

// Every operation has a unique camelCase operationId (so a generated client
// gets methods like createAppeal, not PostApiV1Appeals), and every error
// answer it documents is the one error envelope.
func TestOpenAPIOperationsAreNamedAndAnswerTheEnvelope(t *testing.T) {
	doc := loadOpenAPI(t)
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	seen := map[string]string{}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			where := method + " " + path
			switch {
			case !camel.MatchString(op.OperationID):
				t.Errorf("%s: operationId %q is not camelCase", where, op.OperationID)
			case seen[op.OperationID] != "":
				t.Errorf("%s: operationId %q is also %s's", where, op.OperationID, seen[op.OperationID])
			}
			seen[op.OperationID] = where
			for code, ref := range op.Responses.Map() {
				if !strings.HasPrefix(code, "4") {
					continue
				}
				if ref.Ref != "#/components/responses/Error" {
					t.Errorf("%s: response %s is not the error envelope (#/components/responses/Error)", where, code)
				}
			}
		}
	}
	if doc.Info.License == nil || doc.Info.License.Name == "" {
		t.Error("info.license is missing")
	}
	if n < 51 {
		t.Errorf("only %d operations documented", n)
	}
}

// The document's role names are the desk's (a new role is documented, or
// this fails).
func TestOpenAPIRolesAreTheDesks(t *testing.T) {
	doc := loadOpenAPI(t)
	var want []any
	for _, r := range auth.Roles {
		want = append(want, string(r))
	}
	for _, schema := range []string{"User", "NewUser"} {
		got := doc.Components.Schemas[schema].Value.Properties["role"].Value.Enum
		if !slices.Equal(got, want) {
			t.Errorf("%s.role is one of %v; the desk's roles are %v", schema, got, want)
		}
	}
}

// What /api/v1/openapi.json serves is byte for byte the checked-in file
// people download from the repository.
func TestOpenAPIServedIsCheckedIn(t *testing.T) {
	d := boot(t, t.TempDir()+"/data")
	r := d.must(d.req("GET", "/api/v1/openapi.json", "", nil), http.StatusOK)
	file, err := os.ReadFile("../web/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Raw) != string(file) {
		t.Fatalf("served document (%d bytes) differs from internal/web/openapi.json (%d bytes)", len(r.Raw), len(file))
	}
	if !slices.Equal(file, web.OpenAPI) {
		t.Fatal("the embedded document is not the file")
	}
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3.0: %v", err)
	}
	return doc
}

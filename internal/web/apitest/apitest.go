// Package apitest gives tests an HTTP client that checks every call against
// the served OpenAPI document (internal/web/openapi.json); a mismatch fails
// the test that made the call. So the document cannot drift from the server
// without the end-to-end suite noticing (issue 8, defect 12). Only tests
// import it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"tenderdesk/internal/web"
)

// Client checks each call. The rule: a request the document accepts must
// get an answer the document describes (status, headers, body). A request the document refuses (the
// tests send bad input on purpose) must be refused by the server too, with
// a 4xx the document lists for that operation, in its schema.
func Client(t testing.TB) *http.Client {
	registerDecoders.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", ndjsonDecoder)
		openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.FileBodyDecoder) // the reports' charts
	})
	return &http.Client{Timeout: 60 * time.Second, Transport: &validatingTransport{t: t,
		next: &http.Transport{MaxIdleConnsPerHost: 64}, doc: apiDoc(t)}}
}

type validatingTransport struct {
	t    testing.TB
	next http.RoundTripper
	doc  *apiDocument
}

func (v *validatingTransport) CloseIdleConnections() {
	if c, ok := v.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (v *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	route, params, documented := v.doc.find(req)
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if !documented {
		// Pages and feeds outside the API (the public status page) are not
		// in the document; under /api/ an unknown route must be refused.
		if strings.HasPrefix(req.URL.Path, "/api/") && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			v.t.Errorf("OpenAPI: %s %s is not documented, yet answered %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		return resp, nil
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	// Validate a copy, so the test still sends and reads what it meant to.
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: credentialsPresent}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	respErr := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(respBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: anyMediaType(route, resp)}})
	call := fmt.Sprintf("%s %s (%s) → %d", req.Method, req.URL.RequestURI(), route.Operation.OperationID, resp.StatusCode)
	switch {
	case reqErr != nil && resp.StatusCode < 400:
		v.t.Errorf("OpenAPI: the document refuses the request the server accepted: %s\nrequest: %s\nproblem: %v", call, clip(reqBody), reqErr)
	case respErr != nil:
		v.t.Errorf("OpenAPI: the answer does not match the document: %s\nrequest: %s\nanswer: %s\nproblem: %v", call, clip(reqBody), clip(respBody), respErr)
	}
	return resp, nil
}

// registerDecoders adds kin's one missing decoder once, before any
// validation reads the decoder table.
var registerDecoders sync.Once

// ndjsonDecoder checks each line of an NDJSON body against the schema of
// one line (the document describes a stream by its line), and gives kin the
// first line to check again.
func ndjsonDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	dec := json.NewDecoder(body)
	var first any
	for n := 1; ; n++ {
		var line any
		if err := dec.Decode(&line); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if err := schema.Value.VisitJSON(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if n == 1 {
			first = line
		}
	}
	if first == nil {
		return nil, fmt.Errorf("no lines") // an empty stream: add a case if a test needs one
	}
	return first, nil
}

// anyMediaType says whether the document types this answer as */* (an
// attachment in its own media type): then any type and any bytes match,
// and the body is not decoded (kin has no decoder for every type, and
// registering one per type would race with the validations running).
func anyMediaType(route *routers.Route, resp *http.Response) bool {
	r := route.Operation.Responses.Status(resp.StatusCode)
	return r != nil && r.Value != nil && len(r.Value.Content) == 1 && r.Value.Content["*/*"] != nil
}

// credentialsPresent stands in for authentication: the document's schemes
// say where credentials go, the server decides whether they are good.
func credentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	switch in.SecuritySchemeName {
	case "bearer":
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return nil
		}
	case "session":
		if _, err := r.Cookie("td_session"); err == nil {
			return nil
		}
	default:
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	return fmt.Errorf("no %s credentials", in.SecuritySchemeName)
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// apiDocument is the loaded document and a router that finds a request's
// operation the way the server does: with net/http's ServeMux, whose
// patterns ({name} wildcards, the most specific wins) are the document's
// paths, so /incidents/{id}/plan is not taken for /incidents/{id}/{action}.
type apiDocument struct {
	spec *openapi3.T
	mux  *http.ServeMux
}

var apiDocOnce = sync.OnceValues(func() (*apiDocument, error) {
	spec, err := openapi3.NewLoader().LoadFromData(web.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := spec.Validate(context.Background()); err != nil {
		return nil, err
	}
	d := &apiDocument{spec: spec, mux: http.NewServeMux()}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			route := &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op}
			names := wildcards(path)
			d.mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
				params := map[string]string{}
				for _, n := range names {
					params[n] = r.PathValue(n)
				}
				found := r.Context().Value(foundKey{}).(*foundRoute)
				found.route, found.params = route, params
			})
		}
	}
	return d, nil
})

func apiDoc(t testing.TB) *apiDocument {
	t.Helper()
	d, err := apiDocOnce()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return d
}

type foundKey struct{}

type foundRoute struct {
	route  *routers.Route
	params map[string]string
}

func (d *apiDocument) find(req *http.Request) (*routers.Route, map[string]string, bool) {
	found := &foundRoute{}
	probe := httptest.NewRequestWithContext(context.WithValue(context.Background(), foundKey{}, found), req.Method, req.URL.RequestURI(), nil)
	d.mux.ServeHTTP(httptest.NewRecorder(), probe)
	return found.route, found.params, found.route != nil
}

func wildcards(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if n, ok := strings.CutPrefix(seg, "{"); ok {
			names = append(names, strings.TrimSuffix(n, "}"))
		}
	}
	return names
}

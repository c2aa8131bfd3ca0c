package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/store"
)

// status maps error codes to HTTP, in one place.
var status = map[apperr.Code]int{
	apperr.Invalid:       http.StatusBadRequest,
	apperr.Unauthorized:  http.StatusUnauthorized,
	apperr.Forbidden:     http.StatusForbidden,
	apperr.NotFound:      http.StatusNotFound,
	apperr.Method:        http.StatusMethodNotAllowed,
	apperr.NotAcceptable: http.StatusNotAcceptable,
	apperr.Conflict:      http.StatusConflict,
	apperr.TooLarge:      http.StatusRequestEntityTooLarge,
	apperr.Unsupported:   http.StatusUnsupportedMediaType,
	apperr.Unprocessable: http.StatusUnprocessableEntity,
	apperr.TooMany:       http.StatusTooManyRequests,
	apperr.Internal:      http.StatusInternalServerError,
	apperr.Unavailable:   http.StatusServiceUnavailable,
}

type errorBody struct {
	Error struct {
		Code    apperr.Code       `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, code int, v any) { writeJSON(w, code, v) }

// Decode reads one JSON object strictly (see decode).
func Decode(r *http.Request, v any) error { return decode(r, v) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers with the error envelope; internal details go to the log only.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	// A database that is down or full is a 503 the caller may retry, even
	// where domain code wrapped it as internal (issue 15).
	err = store.Fault(err)
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		ae = &apperr.Error{Code: apperr.Internal, Message: "internal error", Err: err}
	}
	code := status[ae.Code]
	if code == 0 {
		code = http.StatusInternalServerError
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Fields = ae.Code, ae.Message, ae.Fields
	if code == http.StatusServiceUnavailable {
		s.Log.LogAttrs(r.Context(), slog.LevelWarn, "database unavailable", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	} else if code >= 500 {
		s.Log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		body.Error.Message = "internal error; it was logged"
	}
	if ae.RetryAfter > 0 {
		// Whole seconds, rounded up: a client waiting less would be refused again.
		w.Header().Set("Retry-After", strconv.FormatInt(int64((ae.RetryAfter+time.Second-1)/time.Second), 10))
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tenderdesk"`)
	}
	writeJSON(w, code, body)
}

// MaxBody is the largest JSON request body accepted.
const MaxBody = 1 << 20

// decode reads exactly one JSON object into v, refusing unknown fields,
// wrong types, trailing data and oversized bodies with a clear 4xx.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return apperr.New(apperr.Unsupported, "Content-Type must be application/json, not %q", ct)
		}
	}
	br := bufio.NewReader(r.Body)
	if startsWithNull(br) {
		// null decodes into a struct as nothing at all; it is no object either
		return apperr.New(apperr.Invalid, "body must be a JSON object, not null")
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() || dec.Decode(&struct{}{}) != io.EOF {
			return apperr.New(apperr.Invalid, "body must hold one JSON object and nothing after it")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var perr *time.ParseError
	switch {
	case errors.As(err, &tooBig):
		return apperr.New(apperr.TooLarge, "body larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "body is cut short: malformed JSON")
	case errors.As(err, &syn):
		return apperr.New(apperr.Invalid, "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &apperr.Error{Code: apperr.Invalid, Message: "wrong type", Fields: map[string]string{field: fmt.Sprintf("must be %s, not %s", jsonType(typ.Type.String()), typ.Value)}}
	case errors.As(err, &perr):
		return &apperr.Error{Code: apperr.Invalid, Message: "bad time", Fields: map[string]string{"(time)": "times are RFC 3339 with an offset, e.g. 2026-11-20T10:15:00+05:00"}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Code: apperr.Invalid, Message: "unknown field", Fields: map[string]string{name: "unknown field"}}
	default:
		return apperr.New(apperr.Invalid, "cannot read body: %v", err)
	}
}

// startsWithNull peeks (consuming nothing) whether the body is JSON null.
func startsWithNull(br *bufio.Reader) bool {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			return false
		}
		switch b[i-1] {
		case ' ', '\t', '\n', '\r':
			continue
		case 'n':
			p, _ := br.Peek(i + 3)
			return string(p[i-1:]) == "null"
		default:
			return false
		}
	}
}

func jsonType(goType string) string {
	switch {
	case strings.Contains(goType, "time.Time"):
		return "an RFC 3339 time string with offset"
	case strings.HasPrefix(goType, "[]"), strings.HasPrefix(goType, "*[]"):
		return "an array"
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "a number"
	case strings.Contains(goType, "bool"):
		return "true or false"
	case strings.Contains(goType, "string"):
		return "a string"
	default:
		return "an object"
	}
}

// HTTPStatus is the status of an error code (0 for Internal and unknown
// codes), for other HTML faces of the desk.
func HTTPStatus(c apperr.Code) int {
	if c == apperr.Internal {
		return 0
	}
	return status[c]
}

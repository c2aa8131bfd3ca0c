package console

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Issue 10's page budget is counted as transferred: the console's HTML,
// CSS and JavaScript go gzip-compressed to a browser that asks for it.
// Only those types: the event stream must reach the browser event by
// event, and downloads (XLSX, PDF, CSV) are sent as they are made.

// gzipWriters are reused: a flate compressor is some 800 KB to set up,
// too much to allocate per page.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// compressible says whether a response of this Content-Type is one the
// console compresses.
func compressible(ctype string) bool {
	mt, _, _ := strings.Cut(ctype, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "text/html", "text/css", "text/javascript", "application/javascript":
		return true
	}
	return false
}

// wantsGzip reads Accept-Encoding: gzip (or *) with a q other than 0.
func wantsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, coding := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(coding, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "*" {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			return q > 0
		}
	}
	return false
}

// addVary adds Accept-Encoding to Vary once: a cache must keep the
// compressed and the plain body apart.
func addVary(h http.Header) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				return
			}
		}
	}
	h.Add("Vary", "Accept-Encoding")
}

// gzipped wraps the console: the decision is taken when the handler
// writes its header, from what it set (type, encoding, disposition).
func gzipped(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw := &gzipWriter{ResponseWriter: w, accept: r.Method != http.MethodHead && wantsGzip(r)}
		defer gw.finish()
		next.ServeHTTP(gw, r)
	})
}

type gzipWriter struct {
	http.ResponseWriter
	accept  bool // the request asked for gzip
	decided bool // the header is written
	gz      *gzip.Writer
}

func (g *gzipWriter) WriteHeader(code int) {
	if g.decided {
		g.ResponseWriter.WriteHeader(code) // superfluous: net/http logs it, as without us
		return
	}
	if code < 200 { // 1xx: informational, the real header follows
		g.ResponseWriter.WriteHeader(code)
		return
	}
	g.decided = true
	h := g.Header()
	if compressible(h.Get("Content-Type")) {
		addVary(h)
		attachment := strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("Content-Disposition"))), "attachment")
		if g.accept && h.Get("Content-Encoding") == "" && !attachment && code != http.StatusNoContent && code != http.StatusNotModified {
			// The handler's length, if any, is the plain body's: the
			// compressed one is unknown until the end, so net/http sends
			// its own (short bodies) or chunks.
			h.Del("Content-Length")
			h.Set("Content-Encoding", "gzip")
			g.gz = gzipWriters.Get().(*gzip.Writer)
			g.gz.Reset(g.ResponseWriter)
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			// As net/http would: sniffed from the first bytes, so the
			// choice sees the real type.
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.gz != nil {
		return g.gz.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

// Flush sends what is compressed so far (a streamed HTML page), then
// flushes the connection.
func (g *gzipWriter) Flush() {
	if g.gz != nil {
		_ = g.gz.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (the event
// stream lifts its write deadline through it).
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) finish() {
	if g.gz == nil {
		return
	}
	_ = g.gz.Close()
	g.gz.Reset(io.Discard) // drop the response writer before pooling
	gzipWriters.Put(g.gz)
	g.gz = nil
}

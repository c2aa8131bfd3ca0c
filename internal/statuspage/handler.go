package statuspage

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure the Handler.
type Options struct {
	Now func() time.Time // required: when to re-check the source's version
	// Recheck is how long a rendered version is served before the source's
	// version is asked again (default 1s). Invalidate skips the wait.
	Recheck time.Duration
	// MaxAge is the Cache-Control max-age for browsers and proxies
	// (default 10s): during an outage a proxy may absorb most refreshes.
	MaxAge time.Duration
	// Location shows times in the profile's zone (default Asia/Almaty is the
	// caller's to pass; nil shows UTC).
	Location *time.Location
	// BaseURL is the portal's public origin ("https://zakup.example.kz"),
	// for absolute links in the feeds. BasePath is where the handler is
	// mounted (default "/status").
	BaseURL  string
	BasePath string
	// SourceTimeout bounds one call to the source (default 5s).
	SourceTimeout time.Duration
	Logger        *slog.Logger
}

// Handler serves /status, /status/feed.atom, /status/feed.json and
// /status/feed.schema.json.
type Handler struct {
	src     Source
	opt     Options
	cur     atomic.Pointer[rendered]
	checked atomic.Int64 // clock reading (UnixNano) of the last version check
	mu      sync.Mutex   // one refresh at a time
}

// New builds a Handler. Nothing is fetched until the first request.
func New(src Source, opt Options) (*Handler, error) {
	if src == nil {
		return nil, errors.New("statuspage: nil source")
	}
	if opt.Now == nil {
		return nil, errors.New("statuspage: Options.Now (clock) is required")
	}
	if opt.Recheck <= 0 {
		opt.Recheck = time.Second
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = 10 * time.Second
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.BasePath == "" {
		opt.BasePath = "/status"
	}
	opt.BasePath = "/" + strings.Trim(opt.BasePath, "/")
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	if opt.SourceTimeout <= 0 {
		opt.SourceTimeout = 5 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Handler{src: src, opt: opt}, nil
}

// Invalidate makes the next request ask the source for its version at once
// (call it after a change, so the page does not wait for Recheck).
func (h *Handler) Invalidate() { h.checked.Store(math.MinInt64) }

// asset is one representation, rendered once.
type asset struct {
	body, gz    []byte
	etag, etagZ string
	ctype       string
}

// rendered is everything served for one version of the data.
type rendered struct {
	version uint64
	lastMod string            // http.TimeFormat
	assets  map[string]*asset // by kind + "/" + lang
}

const (
	kindHTML   = "html"
	kindAtom   = "atom"
	kindJSON   = "json"
	kindSchema = "schema"
)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	kind := ""
	switch p := strings.TrimSuffix(r.URL.Path, "/"); {
	case p == h.opt.BasePath || p == "":
		kind = kindHTML
	case p == h.opt.BasePath+"/feed.atom":
		kind = kindAtom
	case p == h.opt.BasePath+"/feed.json":
		kind = kindJSON
	case p == h.opt.BasePath+"/feed.schema.json":
		kind = kindSchema
	default:
		http.NotFound(w, r)
		return
	}
	c, err := h.current(r.Context())
	if err != nil {
		h.opt.Logger.Error("statuspage: source unavailable and nothing cached", "err", err)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "status temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	lang := "ru"
	if kind != kindSchema {
		lang = pickLang(r)
	}
	a := c.assets[kind+"/"+lang]
	hd := w.Header()
	hd.Set("Content-Type", a.ctype)
	hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(h.opt.MaxAge/time.Second)))
	hd.Set("Vary", "Accept-Encoding, Accept-Language")
	hd.Set("Last-Modified", c.lastMod)
	if kind != kindSchema {
		hd.Set("Content-Language", lang)
	}
	hd.Set("X-Content-Type-Options", "nosniff")
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	etag, body := a.etag, a.body
	if gz {
		etag, body = a.etagZ, a.gz
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("ETag", etag)
	if notModified(r, a, c.lastMod) {
		hd.Del("Content-Type")
		hd.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// current returns the rendered data, refreshing it when Recheck has passed
// and the source's version moved. While one request refreshes, the others
// keep serving the previous version instead of queueing on the database.
func (h *Handler) current(ctx context.Context) (*rendered, error) {
	c := h.cur.Load()
	if c != nil && h.fresh() {
		return c, nil
	}
	if c != nil {
		if !h.mu.TryLock() {
			return c, nil
		}
	} else {
		h.mu.Lock()
	}
	defer h.mu.Unlock()
	c = h.cur.Load()
	if c != nil && h.fresh() {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.opt.SourceTimeout)
	defer cancel()
	checkedAt := h.opt.Now().UnixNano()
	v, err := h.src.StatusVersion(ctx)
	if err == nil && c != nil && v == c.version {
		h.checked.Store(checkedAt)
		return c, nil
	}
	var snap Snapshot
	if err == nil {
		snap, err = h.src.StatusSnapshot(ctx)
	}
	if err != nil {
		if c != nil {
			// Better an older notice than an error page in the middle of an outage.
			h.opt.Logger.Warn("statuspage: source failed, serving the previous version", "err", err, "version", c.version)
			h.checked.Store(checkedAt)
			return c, nil
		}
		return nil, err
	}
	n, err := h.render(snap)
	if err != nil {
		if c != nil {
			h.opt.Logger.Error("statuspage: render failed, serving the previous version", "err", err)
			return c, nil
		}
		return nil, err
	}
	h.cur.Store(n)
	h.checked.Store(checkedAt)
	return n, nil
}

func (h *Handler) fresh() bool {
	c := h.checked.Load()
	return c != math.MinInt64 && h.opt.Now().UnixNano()-c < int64(h.opt.Recheck)
}

func (h *Handler) render(s Snapshot) (*rendered, error) {
	n := &rendered{version: s.Version, assets: map[string]*asset{}}
	upd := s.Updated
	if upd.IsZero() {
		upd = time.Unix(0, 0)
	}
	n.lastMod = upd.UTC().Format(http.TimeFormat)
	add := func(kind, lang, ctype string, body []byte) error {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression) // once per version: spend CPU now, not per request
		if _, err := zw.Write(body); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		tag := "v" + strconv.FormatUint(s.Version, 10) + "-" + kind + "-" + lang
		n.assets[kind+"/"+lang] = &asset{body: body, gz: zb.Bytes(), etag: `"` + tag + `"`, etagZ: `"` + tag + `-gz"`, ctype: ctype}
		return nil
	}
	for _, lang := range languages {
		v := h.view(s, lang)
		page, err := renderHTML(v)
		if err != nil {
			return nil, err
		}
		atom, err := renderAtom(v)
		if err != nil {
			return nil, err
		}
		js, err := renderJSON(v)
		if err != nil {
			return nil, err
		}
		if err := add(kindHTML, lang, "text/html; charset=utf-8", page); err != nil {
			return nil, err
		}
		if err := add(kindAtom, lang, "application/atom+xml; charset=utf-8", atom); err != nil {
			return nil, err
		}
		if err := add(kindJSON, lang, "application/feed+json; charset=utf-8", js); err != nil {
			return nil, err
		}
	}
	if err := add(kindSchema, "ru", "application/schema+json", FeedSchema); err != nil {
		return nil, err
	}
	return n, nil
}

// notModified applies If-None-Match (either encoding's tag matches), and
// If-Modified-Since only when no If-None-Match was sent (RFC 9110 13.2.2).
func notModified(r *http.Request, a *asset, lastMod string) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == a.etag || t == a.etagZ {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		since, err := http.ParseTime(ims)
		last, lerr := http.ParseTime(lastMod)
		return err == nil && lerr == nil && !last.After(since)
	}
	return false
}

func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

var languages = []string{"ru", "kk", "en"}

// pickLang: ?lang= wins, then the best Accept-Language match, then Russian.
func pickLang(r *http.Request) string {
	if l := normLang(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		l := normLang(tag)
		if l == "" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	if best != "" {
		return best
	}
	return "ru"
}

func normLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "ru":
		return "ru"
	case "kk", "kz":
		return "kk"
	case "en":
		return "en"
	}
	return ""
}

package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"tenderdesk/internal/auth"
)

//go:embed templates/*.html
var templateFiles embed.FS

// parsePages parses each page with the layout and the partials (files
// starting with "_"), so every page is one template set.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	var pages []string
	for _, n := range names {
		switch b := path.Base(n); {
		case b == "layout.html" || strings.HasPrefix(b, "_"):
			shared = append(shared, n)
		default:
			pages = append(pages, n)
		}
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.New(path.Base(p)).Funcs(funcs).ParseFS(templateFiles, append(append([]string{}, shared...), p)...)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return out, nil
}

// funcs are the language-independent helpers; words come from $.L.
var funcs = template.FuncMap{
	"field":  func(errs map[string]string, name string) string { return errs[name] },
	"join":   strings.Join,
	"kb":     func(n int64) int64 { return (n + 1023) / 1024 }, // a 3-byte file is "1 KB", not "0 KB"
	"split3": func(a, b, c string) []string { return []string{a, b, c} },
	// dict passes several values to a partial: dict "K1" v1 "K2" v2 …
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"deref": func(b *bool) bool { return b != nil && *b },
	"eq2": func(a any, bs ...any) bool {
		for _, b := range bs {
			if a == b {
				return true
			}
		}
		return false
	},
}

// Page is what every template sees.
type Page struct {
	L      *L
	User   *auth.Principal
	Title  string
	CSRF   string
	Path   string
	Query  url.Values
	Errors map[string]string // bad form fields, by name
	Form   url.Values        // the form as submitted, to show it again
	Notice string            // a one-line message above the content
	// Presence is the key of a page that shows who else has it open, and
	// Others who they are at render time (the script keeps it current).
	Presence string
	Others   []Present
	Data     any
	unread   func() int // the cabinet's unread notifications (header)
	deps     *Deps
	assets   *assets
	q        *req
}

// Asset is the fingerprinted URL of a static file.
func (p *Page) Asset(name string) string { return p.assets.url(name) }

// Can says whether the signed-in user's role has permission perm.
func (p *Page) Can(perm string) bool { return p.q.can(auth.Permission(perm)) }

// Langs are the languages, for the switcher.
func (p *Page) Langs() []string { return Languages }

// LangURL is this page in another language.
func (p *Page) LangURL(lang string) string {
	v := url.Values{}
	for k, vs := range p.Query {
		v[k] = vs
	}
	v.Set("lang", lang)
	return p.Path + "?" + v.Encode()
}

// Val is the submitted value of a form field.
func (p *Page) Val(name string) string { return p.Form.Get(name) }

// Bad is the translated problem of a form field, or "".
func (p *Page) Bad(name string) string { return p.Errors[name] }

func (c *Console) page(q *req, title string, data any) *Page {
	return &Page{L: q.L, User: q.user, Title: title, CSRF: c.csrfToken(q), Path: q.r.URL.Path, Query: q.r.URL.Query(),
		Data: data, assets: c.assets, q: q, deps: &c.d, unread: c.unreadOf(q), Errors: map[string]string{}, Form: url.Values{}}
}

func (c *Console) render(q *req, code int, name, title string, data any) {
	c.renderPage(q, code, name, c.page(q, title, data))
}

// renderPage executes into a buffer first: a template error becomes a
// logged 500, never half a page.
func (c *Console) renderPage(q *req, code int, name string, p *Page) {
	t, ok := c.pages[name]
	if !ok {
		c.d.Log.Error("console: no such page template", "page", name)
		http.Error(q.w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	entry := "layout"
	if strings.HasPrefix(name, "part_") {
		entry = name + ".html"
	}
	if err := t.ExecuteTemplate(&buf, entry, p); err != nil {
		c.d.Log.Error("console: template", "page", name, "error", err.Error())
		http.Error(q.w, "internal error", http.StatusInternalServerError)
		return
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.Header().Set("Content-Language", q.L.Lang)
	q.w.WriteHeader(code)
	_, _ = q.w.Write(buf.Bytes())
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

package console

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/retention"
)

// Issue 12, E34: the register of changes of roles and rights, published:
// a public page and its Atom and JSON feeds, with the fields the settings
// make public; the day's witness checkpoint of the audit chain beside it.
func (c *Console) registerRoutes() {
	if c.d.Registers == nil {
		return
	}
	c.route("GET /registers/roles", "", c.rolesRegister)
	c.route("GET /registers/roles.atom", "", c.rolesAtom)
	c.route("GET /registers/roles.json", "", c.rolesJSON)
}

type rolesData struct {
	Rows    []registers.RoleChange
	Shows   func(string) bool
	Witness audit.Checkpoint
	// WitnessMail is what became of the witness's mail to the authorized
	// body (issue 12): sent, pending, failed, or none (no address is set,
	// which the administrator also sees in /readyz).
	WitnessMail string
	Next        int64 // the id to page on from, 0 for none
}

// witnessMail reads the outbox row of a witness checkpoint's mail.
func (c *Console) witnessMail(q *req, cp audit.Checkpoint) (string, error) {
	if cp.ID == 0 {
		return "none", nil
	}
	ev := retention.WitnessEvent(cp)
	rows, err := notify.List(q.ctx(), c.d.DB.R, notify.Filter{EventPrefix: ev, Limit: 50})
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		if r.Event != ev { // the prefix also matches later ids (":1" and ":12")
			continue
		}
		switch r.Status {
		case "sent":
			return "sent", nil
		case "failed", "bounced":
			return "failed", nil
		}
		return "pending", nil
	}
	return "none", nil
}

const registerPage = 100

func (c *Console) rolesPage(q *req) ([]registers.RoleChange, int64, error) {
	before, _ := strconv.ParseInt(q.r.URL.Query().Get("before"), 10, 64)
	rows, err := c.d.Registers.Published(q.ctx(), before, registerPage+1)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(rows) > registerPage {
		rows = rows[:registerPage]
		next = rows[len(rows)-1].ID
	}
	return rows, next, nil
}

func (c *Console) rolesRegister(q *req) error {
	rows, next, err := c.rolesPage(q)
	if err != nil {
		return err
	}
	w, err := c.d.Registers.Witness(q.ctx())
	if err != nil {
		return err
	}
	mail, err := c.witnessMail(q, w)
	if err != nil {
		return err
	}
	c.render(q, http.StatusOK, "registers_roles", q.L.T("registers.roles.title"), &rolesData{Rows: rows, Shows: c.d.Registers.Shows, Witness: w, WitnessMail: mail, Next: next})
	return nil
}

// rolesLine is one register line in words, for the feeds.
func (c *Console) rolesLine(q *req, r registers.RoleChange) (title, text string) {
	who := r.FullName
	if who == "" {
		who = q.L.T("registers.roles.person_hidden")
	}
	title = q.L.T("registers.change."+r.Change) + ": " + who
	text = q.L.T("registers.roles.col.at") + ": " + q.L.Time(r.At)
	for _, f := range []struct{ key, val string }{
		{"organization", r.Organization}, {"role", labelOr(q, "role", r.Role)}, {"previous", labelOr(q, "role", r.Previous)},
		{"basis", r.Basis}, {"responsible", r.Responsible}, {"login", r.Login},
	} {
		if f.val != "" {
			text += "; " + q.L.T("registers.roles.col."+f.key) + ": " + f.val
		}
	}
	return title, text
}

func labelOr(q *req, kind, v string) string {
	if v == "" {
		return ""
	}
	return q.L.Label(kind, v)
}

func (c *Console) rolesJSON(q *req) error {
	rows, next, err := c.rolesPage(q)
	if err != nil {
		return err
	}
	type item struct {
		ID            string               `json:"id"`
		Title         string               `json:"title"`
		ContentText   string               `json:"content_text"`
		DatePublished string               `json:"date_published"`
		Register      registers.RoleChange `json:"_register"`
	}
	feed := struct {
		Version     string `json:"version"`
		Title       string `json:"title"`
		HomePageURL string `json:"home_page_url"`
		FeedURL     string `json:"feed_url"`
		Language    string `json:"language"`
		NextURL     string `json:"next_url,omitempty"`
		Items       []item `json:"items"`
	}{Version: "https://jsonfeed.org/version/1.1", Title: q.L.T("registers.roles.title"), HomePageURL: "/registers/roles?lang=" + q.L.Lang,
		FeedURL: "/registers/roles.json?lang=" + q.L.Lang, Language: q.L.Lang, Items: []item{}}
	if next != 0 {
		feed.NextURL = fmt.Sprintf("/registers/roles.json?lang=%s&before=%d", q.L.Lang, next)
	}
	for _, r := range rows {
		t, x := c.rolesLine(q, r)
		feed.Items = append(feed.Items, item{ID: fmt.Sprintf("tenderdesk:role-register:%d", r.ID), Title: t, ContentText: x,
			DatePublished: r.At.UTC().Format(time.RFC3339), Register: r})
	}
	q.w.Header().Set("Content-Type", "application/feed+json; charset=utf-8")
	return json.NewEncoder(q.w).Encode(feed)
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string `xml:"id"`
	Title   string `xml:"title"`
	Updated string `xml:"updated"`
	Summary string `xml:"summary"`
}

func (c *Console) rolesAtom(q *req) error {
	rows, _, err := c.rolesPage(q)
	if err != nil {
		return err
	}
	f := atomFeed{Lang: q.L.Lang, ID: "tenderdesk:role-register", Title: q.L.T("registers.roles.title"), Author: atomAuthor{Name: q.L.T("registers.author")},
		Links: []atomLink{{Rel: "self", Href: "/registers/roles.atom?lang=" + q.L.Lang}, {Rel: "alternate", Href: "/registers/roles?lang=" + q.L.Lang}}}
	f.Updated = "1970-01-01T00:00:00Z"
	if len(rows) > 0 {
		f.Updated = rows[0].At.UTC().Format(time.RFC3339)
	}
	for _, r := range rows {
		t, x := c.rolesLine(q, r)
		f.Entries = append(f.Entries, atomEntry{ID: fmt.Sprintf("tenderdesk:role-register:%d", r.ID), Title: t, Updated: r.At.UTC().Format(time.RFC3339), Summary: x})
	}
	q.w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	if _, err := q.w.Write([]byte(xml.Header)); err != nil {
		return err
	}
	return xml.NewEncoder(q.w).Encode(f)
}

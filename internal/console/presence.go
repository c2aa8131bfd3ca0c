package console

import (
	"net/http"
	"slices"
	"sync"
	"time"
)

// presence is who has an appeal or incident page open, and who is typing
// there, so two operators do not answer one call twice. In memory: it is a
// courtesy that lasts seconds, not a record (a restart forgets it).
type presence struct {
	mu   sync.Mutex
	seen map[string]map[string]seenAt // page key → login → last heartbeat
}

type seenAt struct {
	at     time.Time
	typing bool
}

// presenceTTL: a page sends a heartbeat every 10 s; one missed is forgiven.
const presenceTTL = 25 * time.Second

// Present is one other person on a page.
type Present struct {
	Login  string `json:"login"`
	Typing bool   `json:"typing"`
}

// beat records login on key and returns the others there now.
func (p *presence) beat(key, login string, typing bool, now time.Time) []Present {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string]map[string]seenAt{}
	}
	m := p.seen[key]
	if m == nil {
		m = map[string]seenAt{}
		p.seen[key] = m
	}
	if login != "" {
		m[login] = seenAt{now, typing}
	}
	var out []Present
	for l, s := range m {
		switch {
		case now.Sub(s.at) > presenceTTL:
			delete(m, l)
		case l != login:
			out = append(out, Present{l, s.typing && now.Sub(s.at) < presenceTTL})
		}
	}
	if len(m) == 0 {
		delete(p.seen, key)
	}
	slices.SortFunc(out, func(a, b Present) int {
		if a.Login < b.Login {
			return -1
		}
		return 1
	})
	return out
}

// presenceKey names a page that shows presence.
func presenceKey(kind, id string) string { return kind + ":" + id }

// postPresence is the page's heartbeat: {key, typing}; it answers the others.
func (c *Console) postPresence(q *req) error {
	key := q.r.PostFormValue("key")
	if len(key) > 80 || (len(key) < 8) {
		c.fail(q, http.StatusBadRequest, q.L.T("bad.field"))
		return nil
	}
	others := c.presence.beat(key, q.user.Login, q.r.PostFormValue("typing") == "1", c.d.Now())
	if others == nil {
		others = []Present{}
	}
	writeJSON(q.w, map[string]any{"others": others})
	return nil
}

// present marks p as showing presence on key, counting this view as a beat.
func (c *Console) present(q *req, p *Page, key string) {
	p.Presence = key
	p.Others = c.presence.beat(key, q.user.Login, false, c.d.Now())
}

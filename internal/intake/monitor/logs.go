package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Line is one system log line, however it came (syslog or JSON lines).
type Line struct {
	Time     time.Time `json:"time"`
	Severity int       `json:"-"`
	Facility int       `json:"-"`
	Host     string    `json:"host,omitempty"`
	App      string    `json:"app,omitempty"`
	Msg      string    `json:"message"`
}

// ParseSyslog reads one syslog message: RFC 5424 ("<PRI>1 TIMESTAMP HOST
// APP PROCID MSGID SD MSG") or, tolerated, RFC 3164 ("<PRI>Mmm dd
// hh:mm:ss HOST TAG: MSG"); a missing or unparsable time is the receipt's
// (zero here).
func ParseSyslog(b []byte) (Line, error) {
	b = bytes.TrimRight(b, "\r\n\x00")
	var l Line
	if len(b) < 3 || b[0] != '<' {
		return l, errors.New("no <PRI> at the start")
	}
	end := bytes.IndexByte(b[:min(len(b), 5)], '>')
	if end < 2 {
		return l, errors.New("bad <PRI>")
	}
	pri, err := strconv.Atoi(string(b[1:end]))
	if err != nil || pri < 0 || pri > 191 {
		return l, errors.New("bad <PRI>: 0–191")
	}
	l.Facility, l.Severity = pri/8, pri%8
	rest := b[end+1:]
	if len(rest) >= 2 && rest[0] == '1' && rest[1] == ' ' {
		return parse5424(l, rest[2:])
	}
	return parse3164(l, rest), nil
}

func field(b []byte) (string, []byte) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return string(b), nil
	}
	return string(b[:i]), b[i+1:]
}

func nilDash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func parse5424(l Line, b []byte) (Line, error) {
	var ts string
	ts, b = field(b)
	if ts != "-" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return l, fmt.Errorf("RFC 5424 TIMESTAMP %q: %v", ts, err)
		}
		l.Time = t
	}
	var host, app string
	host, b = field(b)
	app, b = field(b)
	_, b = field(b) // PROCID
	_, b = field(b) // MSGID
	l.Host, l.App = nilDash(host), nilDash(app)
	// STRUCTURED-DATA: "-" or [..][..] with escaped \] inside values.
	switch {
	case len(b) > 0 && b[0] == '-':
		b = b[1:]
	case len(b) > 0 && b[0] == '[':
		i, inQuote := 0, false
		for ; i < len(b); i++ {
			c := b[i]
			if c == '\\' {
				i++
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			}
			if !inQuote && c == ']' && (i+1 == len(b) || b[i+1] != '[') {
				i++
				break
			}
		}
		b = b[min(i, len(b)):]
	}
	b = bytes.TrimPrefix(b, []byte(" "))
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")) // BOM
	l.Msg = strings.ToValidUTF8(string(b), "\uFFFD")
	return l, nil
}

func parse3164(l Line, b []byte) Line {
	if len(b) >= 16 {
		if t, err := time.Parse(time.Stamp, string(b[:15])); err == nil {
			l.Time = t // year and zone unknown: the receiver uses the receipt time
			b = b[16:]
			var host string
			host, b = field(b)
			l.Host = host
		}
	}
	if i := bytes.IndexByte(b, ':'); i > 0 && i < 64 && !bytes.ContainsAny(b[:i], " ") {
		tag := string(b[:i])
		if j := strings.IndexByte(tag, '['); j > 0 {
			tag = tag[:j]
		}
		l.App, b = tag, bytes.TrimPrefix(b[i+1:], []byte(" "))
	}
	l.Msg = strings.ToValidUTF8(string(b), "\uFFFD")
	if l.Time.Year() == 0 {
		l.Time = time.Time{}
	}
	return l
}

// ruleSet is the loaded rules, swapped whole.
type ruleSet struct{ p atomic.Pointer[[]LogRule] }

func (r *ruleSet) set(rs []LogRule) { r.p.Store(&rs) }

// match is the first enabled rule the line satisfies, nil for none.
func (r *ruleSet) match(l Line) *LogRule {
	rs := r.p.Load()
	if rs == nil {
		return nil
	}
	for i := range *rs {
		x := &(*rs)[i]
		if l.Severity <= x.Severity && (x.App == "" || x.App == l.App) && x.re.MatchString(l.Msg) {
			return x
		}
	}
	return nil
}

// LogStats counts every line the receivers read: nothing is dropped
// silently (lines = matched + unmatched + unparsable).
type LogStats struct {
	Lines      int64 `json:"lines"`
	Matched    int64 `json:"matched"`
	Unmatched  int64 `json:"unmatched"`
	Unparsable int64 `json:"unparsable"`
	Stored     int64 `json:"stored_events"` // events written: one per rule per flush
}

// Logs gathers matching lines between flushes: a burst of lines of one
// rule becomes one event with their count, never thousands.
type Logs struct {
	s     *Service
	mu    sync.Mutex
	burst map[int64]*burst
	stats struct{ lines, matched, unmatched, unparsable, stored atomic.Int64 }
	// flushMu orders flushes, so the events of one rule keep their order.
	flushMu sync.Mutex
}

type burst struct {
	rule  LogRule
	first Line
	last  Line
	n     int
}

// Logs is the service's log gatherer.
func (s *Service) Logs() *Logs {
	s.logsOnce.Do(func() { s.logs = &Logs{s: s, burst: map[int64]*burst{}} })
	return s.logs
}

// Stats reads the counters.
func (g *Logs) Stats() LogStats {
	return LogStats{Lines: g.stats.lines.Load(), Matched: g.stats.matched.Load(), Unmatched: g.stats.unmatched.Load(),
		Unparsable: g.stats.unparsable.Load(), Stored: g.stats.stored.Load()}
}

// Unparsable counts a line that could not be read.
func (g *Logs) Unparsable() { g.stats.lines.Add(1); g.stats.unparsable.Add(1) }

// Add matches one line; received stands in for a missing time.
func (g *Logs) Add(l Line, received time.Time) {
	g.stats.lines.Add(1)
	if l.Time.IsZero() {
		l.Time = received
	}
	r := g.s.rules.match(l)
	if r == nil {
		g.stats.unmatched.Add(1)
		return
	}
	g.stats.matched.Add(1)
	g.mu.Lock()
	b := g.burst[r.ID]
	if b == nil {
		b = &burst{rule: *r, first: l}
		g.burst[r.ID] = b
	}
	b.last = l
	b.n++
	g.mu.Unlock()
}

// Flush stores what was gathered as events (one per rule) and applies them.
func (g *Logs) Flush(ctx context.Context) error {
	g.flushMu.Lock()
	defer g.flushMu.Unlock()
	g.mu.Lock()
	bs := g.burst
	g.burst = map[int64]*burst{}
	g.mu.Unlock()
	if len(bs) == 0 {
		return nil
	}
	now := g.s.Now().UTC()
	evs := make([]Event, 0, len(bs))
	for id, b := range bs {
		detail, _ := json.Marshal(map[string]any{"rule": id, "lines": b.n, "first": b.first, "last": b.last,
			"severity": Severities[b.first.Severity]})
		title := b.first.Msg
		if b.first.App != "" {
			title = b.first.App + ": " + title
		}
		if b.n > 1 {
			title = fmt.Sprintf("%s (строк: %d)", title, b.n)
		}
		evs = append(evs, Event{Source: SourceSyslog, Key: fmt.Sprintf("rule:%d", id), Module: b.rule.Module, Status: Logged,
			At: b.first.Time, ReceivedAt: now, Title: title, Detail: detail, Count: b.n})
	}
	if err := g.s.Accept(ctx, evs); err != nil {
		// not stored: gather them again for the next flush
		g.mu.Lock()
		for id, b := range bs {
			if cur := g.burst[id]; cur != nil {
				b.n += cur.n
				b.last = cur.last
			}
			g.burst[id] = b
		}
		g.mu.Unlock()
		return err
	}
	g.stats.stored.Add(int64(len(evs)))
	return nil
}

// jsonLine is one line of the JSON lines endpoint.
type jsonLine struct {
	Time     *time.Time `json:"time"`
	Severity string     `json:"severity"`
	Host     string     `json:"host"`
	App      string     `json:"app"`
	Message  string     `json:"message"`
}

// ParseJSONLine reads one line of POST /api/v1/intake/logs; the problem
// names its field.
func ParseJSONLine(b []byte) (Line, string, error) {
	var j jsonLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return Line{}, strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), errors.New("unknown field")
		}
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return Line{}, cmpOr(typ.Field, "(line)"), errors.New("wrong type")
		}
		var perr *time.ParseError
		if errors.As(err, &perr) {
			return Line{}, "time", errors.New("RFC 3339 with an offset")
		}
		return Line{}, "(line)", fmt.Errorf("not one JSON object: %v", err)
	}
	sev, ok := parseSeverity(strings.ToLower(cmpOr(j.Severity, "info")))
	if !ok {
		return Line{}, "severity", errors.New("one of " + strings.Join(Severities, ", "))
	}
	if j.Message == "" {
		return Line{}, "message", errors.New("required")
	}
	if !utf8.ValidString(j.Message) {
		return Line{}, "message", errors.New("not valid UTF-8")
	}
	l := Line{Severity: sev, Host: j.Host, App: j.App, Msg: j.Message}
	if j.Time != nil {
		l.Time = *j.Time
	}
	return l, "", nil
}

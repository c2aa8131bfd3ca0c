package journal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/iin"
	"tenderdesk/internal/store"
	"tenderdesk/internal/vocab"
)

// NewAppeal is what a caller registers. JSON names are the API's.
type NewAppeal struct {
	Channel       string     `json:"channel"`
	ReceivedAt    *time.Time `json:"received_at"`
	DetectedAt    *time.Time `json:"detected_at"`
	Organization  string     `json:"organization"`
	BIN           string     `json:"bin"`
	ContactEmail  string     `json:"contact_email"`
	ContactPhone  string     `json:"contact_phone"`
	Description   string     `json:"description"`
	Module        string     `json:"module"`
	Announcements []string   `json:"announcements"`
	Lots          []string   `json:"lots"`
	Profile       string     `json:"profile"`
	IncidentID    int64      `json:"incident_id"` // attach to an existing incident at once

	// SourceMessageID is the Message-ID of the email the appeal came from
	// (channel email); hooks see it on Appeal, so the registration notice
	// can thread under the reporter's message (In-Reply-To).
	SourceMessageID string `json:"-"`
	// PossibleThreadOf: see Appeal.
	PossibleThreadOf string `json:"-"`
	// InTx, when set, runs inside the registration's transaction after the
	// appeal is inserted and before the hooks: what it writes (the inbound
	// message, its attachments) commits with the appeal or not at all. An
	// error fails this registration only. It may run more than once (a
	// group commit retried appeal by appeal), so it must only write SQL.
	InTx func(ctx context.Context, tx HookTx, a Appeal) error `json:"-"`
}

// accessAlphabet has no look-alike letters or digits (0/O, 1/I/L): the code
// is read off a letter and typed in by hand (R7).
const accessAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newAccessCode is 10 random characters of accessAlphabet (~49 bits): with
// attempts rate-limited per address, not guessable.
func newAccessCode() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	for i := range b {
		b[i] = accessAlphabet[int(b[i])%len(accessAlphabet)]
	}
	return string(b)
}

// Caller is who registers, as the journal needs to know it.
type Caller struct {
	Actor        audit.Actor
	PortalUser   bool   // applicants and customers: BIN forced to their own
	BIN          string // the caller's organization BIN
	Organization string
	Email        string // the caller's account address: the contact of a self-service appeal
}

const (
	maxDescription = 20000
	maxRefs        = 1000
	maxRefLen      = 64
	// received_at may be ahead of the desk's clock by this much (clock skew).
	futureSkew = 5 * time.Minute
)

// Validate checks n as Register would, adding problems to v; callers that
// parse times themselves pass their own problems in, so one answer names
// every bad field.
func (s *Service) Validate(n *NewAppeal, c Caller, v apperr.Validation) error {
	return s.validateInto(n, c, s.Now().UTC(), v)
}

func (s *Service) validate(n *NewAppeal, c Caller, now time.Time) error {
	return s.validateInto(n, c, now, apperr.Validation{})
}

func (s *Service) validateInto(n *NewAppeal, c Caller, now time.Time, v apperr.Validation) error {
	if !slices.Contains(Channels, n.Channel) {
		v.Add("channel", fmt.Sprintf("unknown channel %q; accepted: %s", n.Channel, strings.Join(Channels, ", ")))
	}
	if c.PortalUser {
		// Self-service (issue 9.5): the desk, not the applicant, says when
		// the appeal arrived; a stated time would start its clocks in the
		// past and breach them at once.
		at := now
		n.ReceivedAt = &at
		if n.ContactEmail == "" && n.ContactPhone == "" {
			n.ContactEmail = c.Email
		}
	}
	if n.ReceivedAt == nil {
		// (Add keeps a problem the caller already recorded, e.g. a missing offset.)
		v.Add("received_at", "required: RFC 3339 time with offset, e.g. 2026-11-20T10:15:00+05:00")
	} else if n.ReceivedAt.After(now.Add(futureSkew)) {
		v.Add("received_at", "is in the future")
	}
	if n.DetectedAt != nil && n.ReceivedAt != nil && n.DetectedAt.After(*n.ReceivedAt) {
		v.Add("detected_at", "is after received_at")
	}
	n.Organization = strings.TrimSpace(n.Organization)
	n.BIN = strings.TrimSpace(n.BIN)
	if c.PortalUser {
		if n.BIN != "" && n.BIN != c.BIN {
			return apperr.New(apperr.Forbidden, "you may register appeals only for your own organization (BIN %s)", c.BIN)
		}
		n.BIN = c.BIN
		if n.Organization == "" {
			n.Organization = c.Organization
		}
	}
	if n.BIN != "" {
		if err := iin.Validate(n.BIN); err != nil {
			v.Add("bin", "BIN/IIN "+err.Error())
		}
	}
	if n.ContactEmail != "" {
		if a, err := mail.ParseAddress(n.ContactEmail); err != nil || a.Address != n.ContactEmail {
			v.Add("contact_email", "not a valid email address (name@domain)")
		}
	}
	if n.ContactPhone != "" && !validPhone(n.ContactPhone) {
		v.Add("contact_phone", "7–20 characters: digits, spaces, + ( ) -")
	}
	if ch := vocab.Channel(n.Channel); ch.Valid() && ch.Person() && n.ContactEmail == "" && n.ContactPhone == "" {
		v.Add("contact_email", "a user's appeal needs contact_email or contact_phone: the registration number is sent there (Q30)")
	}
	if n.Channel == "email" && n.ContactEmail == "" {
		v.Add("contact_email", "required for the email channel")
	}
	n.Description = strings.TrimSpace(n.Description)
	switch {
	case n.Description == "":
		v.Add("description", "required")
	case !utf8.ValidString(n.Description):
		v.Add("description", "not valid UTF-8")
	case utf8.RuneCountInString(n.Description) > maxDescription:
		v.Add("description", fmt.Sprintf("longer than %d characters", maxDescription))
	}
	for field, refs := range map[string][]string{"announcements": n.Announcements, "lots": n.Lots} {
		if len(refs) > maxRefs {
			v.Add(field, fmt.Sprintf("more than %d numbers", maxRefs))
		}
		format := s.Announcement
		if field == "lots" {
			format = s.Lot
		}
		for _, r := range refs {
			if r = strings.TrimSpace(r); r == "" || len(r) > maxRefLen {
				v.Add(field, fmt.Sprintf("each number must be 1–%d characters", maxRefLen))
				break
			}
			if format != nil && !format.MatchString(r) {
				v.Add(field, fmt.Sprintf("%q is not a number of the portal (format %s)", r, format))
				break
			}
		}
	}
	if len(n.Module) > 200 {
		v.Add("module", "longer than 200 characters")
	}
	if n.ReceivedAt != nil {
		p, err := s.resolveProfile(n.Profile, *n.ReceivedAt)
		if err != nil {
			v.Add("profile", err.Error())
		}
		n.Profile = p
	}
	if n.IncidentID < 0 {
		v.Add("incident_id", "must be positive")
	}
	if n.Announcements == nil {
		n.Announcements = []string{}
	}
	if n.Lots == nil {
		n.Lots = []string{}
	}
	return v.Err()
}

func validPhone(p string) bool {
	if len(p) < 7 || len(p) > 20 {
		return false
	}
	digits := 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ ()-", r):
		default:
			return false
		}
	}
	return digits >= 7
}

// Registration is the answer to a registration.
type Registration struct {
	Number         string `json:"number"`
	IncidentID     int64  `json:"incident_id"`
	IncidentNumber string `json:"incident_number"` // the failure's own number, TF-YYYY-NNNN
	Replayed       bool   `json:"-"`               // an Idempotency-Key retry returned the first appeal
}

// Register validates n and registers it in the Journal. The appeal, its
// incident, its number and the audit record commit together; the call
// returns after the commit is on disk. idemKey (optional) makes a retry
// return the first registration.
func (s *Service) Register(ctx context.Context, c Caller, n NewAppeal, idemKey string) (Registration, error) {
	now := s.Now().UTC()
	if err := s.validate(&n, c, now); err != nil {
		return Registration{}, err
	}
	if len(idemKey) > 200 {
		return Registration{}, apperr.New(apperr.Invalid, "Idempotency-Key longer than 200 characters")
	}
	var reqHash string
	if idemKey != "" {
		b, _ := json.Marshal(n)
		h := sha256.Sum256(b)
		reqHash = hex.EncodeToString(h[:])
		if r, found, err := s.replay(ctx, s.DB.R, c.Actor.ID, idemKey, reqHash); found || err != nil {
			return r, err
		}
	}
	return s.batch.submit(ctx, &pending{caller: c, appeal: n, idemKey: idemKey, reqHash: reqHash})
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Service) replay(ctx context.Context, q querier, userID int64, key, reqHash string) (Registration, bool, error) {
	var h, number string
	err := q.QueryRowContext(ctx, Q.IdempotencyGet, userID, key).Scan(&h, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return Registration{}, false, nil
	}
	if err != nil {
		return Registration{}, false, apperr.Wrap(err, "idempotency")
	}
	if h != reqHash {
		return Registration{}, true, apperr.New(apperr.Unprocessable, "Idempotency-Key %q was used for a different request", key)
	}
	a, err := s.appeal(ctx, q, number)
	if err != nil {
		return Registration{}, true, err
	}
	return Registration{Number: number, IncidentID: a.IncidentID, IncidentNumber: a.IncidentNumber, Replayed: true}, true, nil
}

// registerTx registers one appeal inside tx (the batch's transaction).
func (s *Service) registerTx(ctx context.Context, tx *batchTx, p *pending, now time.Time) (Registration, error) {
	n, c := p.appeal, p.caller
	if p.idemKey != "" {
		if r, found, err := s.replay(ctx, tx, c.Actor.ID, p.idemKey, p.reqHash); found || err != nil {
			return r, err
		}
	}
	year := now.In(s.Zone).Year()
	seq, err := tx.numbers.next(ctx, tx, year)
	if err != nil {
		return Registration{}, apperr.Wrap(err, "number")
	}
	number := fmt.Sprintf("%d-%06d", year, seq)
	incID, incNumber, err := s.incidentOf(ctx, tx, n, year, now)
	if err != nil {
		return Registration{}, err
	}
	var createdBy any
	if c.Actor.ID != 0 {
		createdBy = c.Actor.ID
	}
	var detected store.Time
	if n.DetectedAt != nil {
		detected = store.T(*n.DetectedAt)
	}
	var appealID int64
	args := []any{number, year, seq, incID, n.Channel, store.T(*n.ReceivedAt),
		store.T(now), detected, n.Organization, n.BIN, n.ContactEmail, n.ContactPhone, n.Description, n.Module,
		mustJSON(n.Announcements), mustJSON(n.Lots), n.Profile, createdBy, n.PossibleThreadOf}
	if ids, ok := tx.reserved(); ok {
		appealID = ids[0]
		if _, err := tx.stmt(ctx, "insert-appeal-id").ExecContext(ctx, append(args, appealID)...); err != nil {
			return Registration{}, apperr.Wrap(err, "insert appeal")
		}
	} else if err := tx.stmt(ctx, "insert-appeal").QueryRowContext(ctx, args...).Scan(&appealID); err != nil {
		return Registration{}, apperr.Wrap(err, "insert appeal")
	}
	if tx.firstAppeal == 0 {
		tx.firstAppeal = appealID
	}
	if p.idemKey != "" {
		if _, err := tx.ExecContext(ctx, Q.IdempotencyPut, c.Actor.ID, p.idemKey, p.reqHash, appealID, store.T(now)); err != nil {
			return Registration{}, apperr.Wrap(err, "idempotency")
		}
	}
	after := map[string]any{"number": number, "incident_id": incID, "channel": n.Channel, "received_at": n.ReceivedAt,
		"organization": n.Organization, "bin": n.BIN, "profile": n.Profile}
	if _, err := tx.chain.Append(ctx, now, c.Actor, audit.Entry{Action: "appeal.register", ObjectType: "appeal", ObjectID: number, After: after}); err != nil {
		return Registration{}, err
	}
	if len(s.hooks) > 0 || n.InTx != nil {
		a := Appeal{ID: appealID, Number: number, IncidentID: incID, IncidentNumber: incNumber, Channel: n.Channel, ReceivedAt: *n.ReceivedAt, RegisteredAt: now,
			DetectedAt: n.DetectedAt, Organization: n.Organization, BIN: n.BIN, ContactEmail: n.ContactEmail, ContactPhone: n.ContactPhone,
			Description: n.Description, Module: n.Module, Announcements: n.Announcements, Lots: n.Lots, Profile: n.Profile,
			ProfileLapsed: s.Lapsed(n.Profile, *n.ReceivedAt), SourceMessageID: n.SourceMessageID, AccessCode: newAccessCode(),
			PossibleThreadOf: n.PossibleThreadOf}
		htx := HookTx{Tx: tx.Tx, Dialect: s.DB.Dialect, Now: now, Audit: func(ctx context.Context, by audit.Actor, e audit.Entry) error {
			_, err := tx.chain.Append(ctx, now, by, e)
			return err
		}}
		if n.InTx != nil {
			if err := n.InTx(ctx, htx, a); err != nil {
				return Registration{}, err
			}
		}
		for _, h := range s.hooks {
			if err := h.AppealRegistered(ctx, htx, a, n.IncidentID == 0); err != nil {
				return Registration{}, err
			}
		}
	}
	return Registration{Number: number, IncidentID: incID, IncidentNumber: incNumber}, nil
}

// incidentOf is the incident an appeal joins: the open one it names, or a
// new one with the next failure number of the year.
func (s *Service) incidentOf(ctx context.Context, tx *batchTx, n NewAppeal, year int, now time.Time) (int64, string, error) {
	if n.IncidentID != 0 {
		inc, err := s.incident(ctx, tx, n.IncidentID)
		if err != nil {
			return 0, "", err
		}
		if inc.State == Closed || inc.State == Merged {
			return 0, "", apperr.New(apperr.Conflict, "incident %s is %s; attach the appeal to an open incident", inc.Number, inc.State)
		}
		if mods, added := withModule(inc.Modules, n.Module); added { // the appeal names a module the incident lacks
			after := inc
			after.Modules, after.UpdatedAt = mods, now
			if err := s.save(ctx, tx.Tx, inc, after); err != nil {
				return 0, "", err
			}
		}
		return inc.ID, inc.Number, nil
	}
	var id int64
	seq, err := tx.incidentNumbers.next(ctx, tx, year)
	if err != nil {
		return 0, "", apperr.Wrap(err, "incident number")
	}
	number := IncidentNumber(year, seq)
	args := []any{n.Profile, store.T(now), number, mustJSON(withoutModule(n.Module))}
	if ids, ok := tx.peekReserved(); ok {
		id = ids[1] // the appeal's own insert takes the pair next
		if _, err := tx.stmt(ctx, "insert-incident-id").ExecContext(ctx, append(args, id)...); err != nil {
			return 0, "", apperr.Wrap(err, "insert incident")
		}
	} else if err := tx.stmt(ctx, "insert-incident").QueryRowContext(ctx, args...).Scan(&id); err != nil {
		return 0, "", apperr.Wrap(err, "insert incident")
	}
	return id, number, nil
}

// IncidentNumber is the public number of a year's seq-th failure,
// "TF-2026-0004" (technical failure): a prefix and four digits, so it is
// never taken for an appeal number ("2026-000004").
func IncidentNumber(year int, seq int64) string { return fmt.Sprintf("TF-%d-%04d", year, seq) }

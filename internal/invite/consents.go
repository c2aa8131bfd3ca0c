package invite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"slices"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
	"tenderdesk/internal/store"
)

// Consent is one text a person accepts at registration. Its version and
// the SHA-256 of the text shown are recorded with the acceptance, so which
// words were agreed to stays provable after the text changes (a change is
// a new Version).
type Consent struct {
	ID      string            // the form field: "e6_processing"
	Rule    string            // E6 or E7
	Version string            // e.g. "2026-12-02"
	Text    map[string]string // ru, kk, en
}

// SHA256 is the hash of the text in lang, as recorded.
func (c Consent) SHA256(lang string) string {
	h := sha256.Sum256([]byte(c.Text[lang]))
	return hex.EncodeToString(h[:])
}

var (
	// E6 1): consent to the collection and processing of restricted
	// information, personal data and bank and commercial secrets included.
	consentProcessing = Consent{ID: "e6_processing", Rule: "E6", Version: "2026-12-02", Text: map[string]string{
		"ru": "Я даю согласие на сбор и обработку информации с ограниченным доступом, включая персональные данные, банковскую и коммерческую тайны, в объеме, необходимом для рассмотрения моих обращений.",
		"kk": "Менің өтініштерімді қарау үшін қажетті көлемде қолжетімділігі шектеулі ақпаратты, оның ішінде дербес деректерді, банктік және коммерциялық құпияларды жинауға және өңдеуге келісім беремін.",
		"en": "I consent to the collection and processing of restricted information, including personal data and bank and commercial secrets, to the extent needed to handle my reports.",
	}}
	// E6 2): the duty to give true documents and information.
	consentTruth = Consent{ID: "e6_truth", Rule: "E6", Version: "2026-12-02", Text: map[string]string{
		"ru": "Я обязуюсь предоставлять достоверные документы и сведения.",
		"kk": "Дұрыс құжаттар мен мәліметтерді ұсынуға міндеттенемін.",
		"en": "I undertake to provide true documents and information.",
	}}
	// E7: the staff of authorized persons take on not to disclose what they
	// learn working with the desk.
	consentNonDisclosure = Consent{ID: "e7_nondisclosure", Rule: "E7", Version: "2026-12-02", Text: map[string]string{
		"ru": "Я обязуюсь не распространять информацию, полученную в процессе работы с системой.",
		"kk": "Жүйемен жұмыс істеу барысында алынған ақпаратты таратпауға міндеттенемін.",
		"en": "I undertake not to disclose information obtained while working with the system.",
	}}
)

// Required are the consents a new account of role gives (E6 for
// applicants and customers, E7 for the authorized body's staff).
func Required(role auth.Role) []Consent {
	switch {
	case role.PortalUser():
		return []Consent{consentProcessing, consentTruth}
	case role == auth.RoleAuthority:
		return []Consent{consentNonDisclosure}
	}
	return nil
}

// Missing are the consents of role the user has not given in their current
// version (E6–E7). An account an administrator registered gives them at its
// first sign-in; a changed text (a new Version) is asked for again.
func (s *Service) Missing(ctx context.Context, userID int64, role auth.Role) ([]Consent, error) {
	req := Required(role)
	if len(req) == 0 {
		return nil, nil
	}
	given, err := s.ConsentsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, g := range given {
		have[g.Version] = true
	}
	return slices.DeleteFunc(req, func(c Consent) bool { return have[c.ID+"@"+c.Version] }), nil
}

// Give records the consents an existing account has not given yet (one an
// administrator registered), shown in lang, with the audit record, in one
// transaction; a missing one not given names its field.
func (s *Service) Give(ctx context.Context, p auth.Principal, addr, lang string, given map[string]bool) error {
	missing, err := s.Missing(ctx, p.ID, p.Role)
	if err != nil {
		return err
	}
	switch lang {
	case "ru", "kk", "en":
	default:
		lang = "ru"
	}
	v := apperr.Validation{}
	for _, c := range missing {
		if !given[c.ID] {
			v.Add(c.ID, "required: the "+c.Rule+" consent of registration")
		}
	}
	if err := v.Err(); err != nil || len(missing) == 0 {
		return err
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		var rec []map[string]string
		for _, c := range missing {
			if _, err := tx.ExecContext(ctx, Q.InsertConsent, p.ID, c.Rule, c.ID+"@"+c.Version, c.SHA256(lang), lang, nil, addr, store.T(now)); err != nil {
				return apperr.Wrap(err, "consent")
			}
			rec = append(rec, map[string]string{"rule": c.Rule, "text": c.ID + "@" + c.Version})
		}
		_, err := audit.Append(ctx, tx, s.DB.Dialect, now, p.Actor(addr), audit.Entry{Action: "user.consents_given", ObjectType: "user",
			ObjectID: p.Login, After: map[string]any{"consents": rec, "lang": lang}})
		return err
	})
}

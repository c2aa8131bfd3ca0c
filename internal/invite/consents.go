package invite

import (
	"crypto/sha256"
	"encoding/hex"

	"tenderdesk/internal/auth"
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

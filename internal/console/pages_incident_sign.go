package console

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/registers"
	"tenderdesk/internal/signature"
)

// The incident page's sign section (issue 12): the decision (confirm or
// refute) and the closing are signed with the responsible person's EDS.
// With JavaScript and NCALayer running on the user's machine, a button
// has NCALayer sign the canonical document and posts the CMS to
// POST /api/v1/signatures (static/ncalayer.js); without either, the same
// document is downloaded, signed elsewhere and its .cms file uploaded
// here, so the page works with no script at all.

// DefaultNCALayerURL is where NCALayer listens on the user's machine.
const DefaultNCALayerURL = "wss://127.0.0.1:13579"

// signDoc is one document of the section.
type signDoc struct {
	Action   string // signature.ActIncident*
	Mode     signature.Mode
	Document string // base64 of the canonical bytes; "" when it cannot be signed now
	Signed   []signature.Record
}

// signWidget is one "sign with NCALayer" button and its upload fallback
// (templates/_sign_widget.html, static/ncalayer.js).
type signWidget struct {
	Key      string // the action: element ids and the error's key "sign-"+Key
	ObjectID string // the incident's (the script's default body)
	Document string // base64 of the canonical bytes
	Post     string // where the script posts the JSON ("": POST /api/v1/signatures)
	Body     string // the JSON members posted beside document and cms
	Reload   string // opened after the signature is taken ("": stay)
	Download string // the document's exact bytes, to sign elsewhere
	Upload   string // the .cms upload's form action
	Hidden   [][2]string
}

// Widget is the incident document's button and upload.
func (d signDoc) Widget(incident int64) signWidget {
	return signWidget{Key: d.Action, ObjectID: strconv.FormatInt(incident, 10), Document: d.Document,
		Download: fmt.Sprintf("/incidents/%d/sign/document?action=%s", incident, d.Action), Upload: fmt.Sprintf("/incidents/%d/sign", incident),
		Hidden: [][2]string{{"action", d.Action}}}
}

type signData struct {
	Docs []signDoc
	URL  string // NCALayer's WebSocket, also in the page's connect-src
	Off  bool   // no trust store: signatures cannot be verified
}

// signActions are the documents an incident in state s has to sign now:
// its decision once taken, the closing while it can be closed.
func signActions(s journal.State) []string {
	var out []string
	switch s {
	case journal.Confirmed, journal.Fixing, journal.Fixed:
		out = append(out, signature.ActIncidentConfirm)
	case journal.Refuted:
		out = append(out, signature.ActIncidentRefute)
	}
	if s == journal.Fixed || s == journal.Refuted {
		out = append(out, signature.ActIncidentClose)
	}
	return out
}

func (c *Console) ncalayerURL() string {
	if c.d.NCALayerURL != "" {
		return c.d.NCALayerURL
	}
	return DefaultNCALayerURL
}

// incidentSign builds the section; nil when there is nothing to show.
func (c *Console) incidentSign(q *req, v journal.IncidentView) (*signData, error) {
	d := &signData{URL: c.ncalayerURL()}
	if c.d.Signatures == nil {
		if len(signActions(v.State)) == 0 {
			return nil, nil
		}
		d.Off = true
		return d, nil
	}
	id := strconv.FormatInt(v.ID, 10)
	recs, err := c.d.Signatures.Of(q.ctx(), "incident", id)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	add := func(act string, current bool) error {
		if seen[act] || c.d.Signatures.Policy.Mode(act) == signature.Off {
			return nil
		}
		seen[act] = true
		sd := signDoc{Action: act, Mode: c.d.Signatures.Policy.Mode(act)}
		for _, r := range recs {
			if r.Action == act {
				sd.Signed = append(sd.Signed, r)
			}
		}
		if current && q.can("incident:transition") {
			doc, err := registers.IncidentDocument(q.ctx(), c.d.Journal, act, v.ID)
			if err != nil {
				return err
			}
			sd.Document = base64.StdEncoding.EncodeToString(doc)
		}
		if sd.Document != "" || len(sd.Signed) > 0 {
			d.Docs = append(d.Docs, sd)
		}
		return nil
	}
	for _, act := range signActions(v.State) {
		if err := add(act, true); err != nil {
			return nil, err
		}
	}
	for _, r := range recs { // signed earlier, no longer signable (closed)
		if err := add(r.Action, false); err != nil {
			return nil, err
		}
	}
	if len(d.Docs) == 0 {
		return nil, nil
	}
	return d, nil
}

// cspWithNCALayer is the console's policy with NCALayer's socket allowed
// to connect, on the incident page only: no other page talks to it.
func cspWithNCALayer(u string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self' " + u + "; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
}

// incidentSignDocument serves the canonical document to sign elsewhere
// (the no-NCALayer path): its exact bytes.
func (c *Console) incidentSignDocument(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	act := q.r.URL.Query().Get("action")
	doc, err := registers.IncidentDocument(q.ctx(), c.d.Journal, act, id)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="incident-%d-%s.json"`, id, strings.TrimPrefix(act, "incident.")))
	_, err = q.w.Write(doc)
	return err
}

// incidentSignUpload stores a .cms file signed elsewhere over the document
// the page offered; a document that is no longer the incident's (its state
// moved since) or a refused signature is said on the page, in its language.
func (c *Console) incidentSignUpload(q *req) error {
	id, err := incidentID(q)
	if err != nil {
		return err
	}
	if c.d.Signatures == nil {
		return apperr.New(apperr.Unprocessable, "EDS signing is off: the desk has no trust store (--trust-dir)")
	}
	d, err := c.incidentData(q, id)
	if err != nil {
		return err
	}
	p := c.page(q, q.L.T("incident.title", id), d)
	q.w.Header().Set("Content-Security-Policy", cspWithNCALayer(c.ncalayerURL()))
	act := q.r.PostFormValue("action")
	var cms []byte
	if f, _, err := q.r.FormFile("cms"); err == nil {
		cms, err = io.ReadAll(io.LimitReader(f, 1<<20))
		f.Close()
		if err != nil {
			return err
		}
	}
	doc, derr := base64.StdEncoding.DecodeString(q.r.PostFormValue("document"))
	cur, err := registers.IncidentDocument(q.ctx(), c.d.Journal, act, id)
	switch {
	case err != nil:
		p.Errors["sign-"+act] = q.L.T("sign.err.action")
	case len(cms) == 0:
		p.Errors["sign-"+act] = q.L.T("sign.err.no_file")
	case derr != nil || string(doc) != string(cur):
		p.Errors["sign-"+act] = q.L.T("sign.err.stale")
	}
	if len(p.Errors) == 0 {
		_, err = c.d.Signatures.AttachNow(q.ctx(), signature.Signer{ID: q.user.ID, Login: q.user.Login, Role: string(q.user.Role), Addr: clientAddr(q.r)},
			signature.Submission{Action: act, ObjectType: "incident", ObjectID: strconv.FormatInt(id, 10), Document: cur, CMS: cms})
		if err == nil {
			http.Redirect(q.w, q.r, fmt.Sprintf("/incidents/%d?done=signed#sign", id), http.StatusSeeOther)
			return nil
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code == apperr.Internal || ae.Code == apperr.Unavailable {
			return err
		}
		p.Errors["sign-"+act] = refusalText(q.L, ae)
	}
	p.Notice = q.L.T("sign.err.notice")
	c.renderPage(q, http.StatusBadRequest, "incident", p)
	return nil
}

var refusalCode = regexp.MustCompile(`signature refused \(([a-z_]+)\)`)

// refusalText says why a signature was not taken, in the page's language:
// the verifier's refusal code (signature.Code) or the field it names.
func refusalText(l *L, ae *apperr.Error) string {
	if m := refusalCode.FindStringSubmatch(ae.Fields["cms"]); m != nil {
		return l.T("sign.refused." + m[1])
	}
	if _, ok := ae.Fields["signer"]; ok {
		return l.T("sign.refused.no_iin")
	}
	if _, ok := ae.Fields["document"]; ok {
		return l.T("sign.err.stale")
	}
	return plainExplain(l, ae)
}

// plainExplain is Console.explain without the console.
func plainExplain(l *L, ae *apperr.Error) string {
	if l.Lang == "en" {
		return ae.Message
	}
	return l.T("err.code." + string(ae.Code))
}

// signJSKeys are the sign section's words ncalayer.js shows; the refusal
// reasons (signature.Code) come with them, so a refused signature is
// explained in the page's language, not the verifier's English.
var signJSKeys = []string{"connecting", "signing", "no_ncalayer", "cancelled", "refused", "posting", "done", "failed"}

var refusalCodes = []string{"malformed", "no_content", "tampered", "bad_signature", "untrusted", "expired", "revoked", "key_usage",
	"wrong_signer", "unsupported", "external", "no_iin"}

// SignMessages is the JSON the sign section hands its script in an
// attribute (no inline script, even a data block).
func (p *Page) SignMessages() string {
	m := map[string]string{"stale": p.L.T("sign.err.stale"), "fields": p.L.T("sign12.js.fields")}
	if _, ok := p.Data.(signedPage); ok {
		m["stale"] = p.L.T("sign12.err.stale")
	}
	for _, k := range signJSKeys {
		m[k] = p.L.T("sign.js." + k)
	}
	for _, k := range refusalCodes {
		m["refused."+k] = p.L.T("sign.refused." + k)
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

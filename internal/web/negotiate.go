package web

import (
	"strconv"
	"strings"

	"tenderdesk/internal/apperr"
)

// Negotiate picks which of offers (media types, the default first) an
// Accept header takes best (RFC 9110 §12.5.1): each offer gets the
// quality of the most specific range matching it (type/subtype, then
// type/*, then */*), the highest quality wins, then the offer named the
// more specifically ("text/csv, */*" is CSV), then the earlier offer. No Accept (or an empty one) is the default. When every offer has
// quality 0 the answer is a 406 naming the header, with what is served.
func Negotiate(accept string, offers ...string) (string, error) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], nil
	}
	best, bestQ, bestSpec := "", 0.0, -1
	for _, o := range offers {
		typ, _, _ := strings.Cut(o, "/")
		q, spec := 0.0, -1
		for _, part := range strings.Split(accept, ",") {
			params := strings.Split(part, ";")
			mr := strings.ToLower(strings.TrimSpace(params[0]))
			rt, rs, _ := strings.Cut(mr, "/")
			s := -1
			switch {
			case mr == o:
				s = 2
			case rt == typ && rs == "*":
				s = 1
			case mr == "*/*":
				s = 0
			}
			if s < 0 || s < spec {
				continue
			}
			pq := 1.0
			for _, p := range params[1:] {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
						pq = f
					}
				}
			}
			if s > spec || pq > q {
				q, spec = pq, s
			}
		}
		if q > bestQ || (q == bestQ && q > 0 && spec > bestSpec) {
			best, bestQ, bestSpec = o, q, spec
		}
	}
	if best == "" {
		return "", &apperr.Error{Code: apperr.NotAcceptable, Message: "none of the media types this endpoint serves is acceptable",
			Fields: map[string]string{"Accept": "this endpoint serves " + strings.Join(offers, ", ") + "; " + strconv.Quote(accept) + " takes none of them"}}
	}
	return best, nil
}

package statuspage

// PreviewHTML is the page /status would serve in lang with f as its only
// failure and no maintenance: the same view and template, so staff read
// the notice exactly as the public will (the console's incident page).
func (h *Handler) PreviewHTML(f Failure, lang string) ([]byte, error) {
	if _, ok := ui[lang]; !ok {
		lang = languages[0]
	}
	return renderHTML(h.view(Snapshot{Updated: f.Updated, Failures: []Failure{f}}, lang))
}

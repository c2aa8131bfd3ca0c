package reports

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// Charts of the compliance report, drawn here as SVG (no script): the
// console puts them in the page, the API serves them as image/svg+xml.
// They read without colour: breached bars are hatched, not just red, and
// every bar has its number written beside it. Only presentation attributes
// are used (the console's CSP has no inline styles).

// ChartNames are the charts the API serves.
var ChartNames = []string{"days", "use"}

const (
	svgInk   = "#1f2933"
	svgMet   = "#3e6b8a"
	svgBreak = "#a61b1b"
)

func svgOpen(b *strings.Builder, w, h int, id, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" role="img" aria-labelledby="%s-t" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`, w, h, w, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title>`, id, html.EscapeString(title))
	fmt.Fprintf(b, `<defs><pattern id="%s-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="%s"/></pattern></defs>`, id, svgBreak)
}

// legend draws the two keys: a solid box for met, a hatched one for breached.
func legend(b *strings.Builder, id string, x, y int, lang string) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="14" height="14" fill="%s" stroke="%s"/><text x="%d" y="%d" fill="%s">%s</text>`,
		x, y, svgMet, svgInk, x+20, y+12, svgInk, html.EscapeString(word(lang, "sla.met")))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="14" height="14" fill="url(#%s-hatch)" stroke="%s"/><text x="%d" y="%d" fill="%s">%s</text>`,
		x+130, y, id, svgInk, x+150, y+12, svgInk, html.EscapeString(word(lang, "sla.breached")))
}

// DaysSVG is a bar per day of the period that had ended clocks: met below,
// breached stacked above and hatched, the day's total over the bar.
func DaysSVG(c *Compliance, lang string) string {
	var b strings.Builder
	const id = "chart-days"
	n := max(len(c.Days), 1)
	bw := max(4, min(36, 900/n))
	w := 60 + n*bw + 20
	h := 300
	top, base := 40, 250
	most := 1
	for _, d := range c.Days {
		most = max(most, d.Met+d.Breached)
	}
	svgOpen(&b, max(w, 420), h, id, word(lang, "sla.day"))
	legend(&b, id, 60, 8, lang)
	scale := float64(base-top) / float64(most)
	fmt.Fprintf(&b, `<line x1="56" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, base, 60+n*bw, base, svgInk)
	fmt.Fprintf(&b, `<text x="50" y="%d" text-anchor="end" fill="%s">%d</text><text x="50" y="%d" text-anchor="end" fill="%s">0</text>`,
		top+4, svgInk, most, base+4, svgInk)
	if len(c.Days) == 0 {
		fmt.Fprintf(&b, `<text x="70" y="150" fill="%s">%s</text>`, svgInk, html.EscapeString(word(lang, "sla.none")))
	}
	every := max(1, n/12) // a date label every so many bars
	for i, d := range c.Days {
		x := 60 + i*bw
		hm := int(float64(d.Met) * scale)
		hb := int(float64(d.Breached) * scale)
		label := dateText(d.Date, lang)
		short := label[:5] // the axis says 02.01 (01-02 in English); the bar's title has the whole date
		if lang == "en" {
			short = label[5:]
		}
		fmt.Fprintf(&b, `<g><title>%s: %s %d, %s %d</title>`, label, html.EscapeString(word(lang, "sla.met")), d.Met,
			html.EscapeString(word(lang, "sla.breached")), d.Breached)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="%s" stroke-width="0.5"/>`, x+1, base-hm, bw-2, hm, svgMet, svgInk)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="url(#%s-hatch)" stroke="%s" stroke-width="0.5"/>`, x+1, base-hm-hb, bw-2, hb, id, svgInk)
		if bw >= 18 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="%s">%d</text>`, x+bw/2, base-hm-hb-3, svgInk, d.Met+d.Breached)
		}
		b.WriteString(`</g>`)
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="end" transform="rotate(-45 %d %d)" fill="%s">%s</text>`,
				x+bw/2, base+14, x+bw/2, base+14, svgInk, short)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// UseSVG is the distribution of the time used against the term: one
// horizontal bar per bucket, the count written after it, the buckets past
// the term (≥ 100 %) hatched.
func UseSVG(c *Compliance, lang string) string {
	var b strings.Builder
	const id = "chart-use"
	w, rowH, left := 640, 30, 110
	h := 40 + len(c.Use)*rowH + 10
	svgOpen(&b, w, h, id, word(lang, "sla.use"))
	legend(&b, id, left, 8, lang)
	most := 1
	for _, u := range c.Use {
		most = max(most, u.Count)
	}
	span := float64(w - left - 80)
	for i, u := range c.Use {
		y := 40 + i*rowH
		label := pct(u.From) + "–" + pct(u.To)
		if u.To == 0 {
			label = "≥ " + pct(u.From)
		}
		fill := svgMet
		if u.From >= 1 {
			fill = "url(#" + id + "-hatch)"
		}
		bl := int(float64(u.Count) / float64(most) * span)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="%s">%s</text>`, left-8, y+rowH/2+4, svgInk, label)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="%s" stroke-width="0.5"/>`, left, y+4, max(bl, 1), rowH-8, fill, svgInk)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%d</text>`, left+max(bl, 1)+6, y+rowH/2+4, svgInk, u.Count)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func pct(x float64) string { return strconv.Itoa(int(x*100+0.5)) + " %" }

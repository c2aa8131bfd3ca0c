// Package pdfw writes a PDF as it goes (issue 13): each page's content and
// page object go to the io.Writer when the page is finished, and all the
// writer keeps of it is the objects' byte offsets for the xref table (and
// one object number for the page's footer). What is known only at the end
// — the page count, the glyphs used — is written at the end into objects
// whose numbers were reserved at the start: the footers ("page N of M"),
// the page tree's root, the fonts. A 200,000-row Journal extract so needs
// a few hundred KB whatever its length, where fpdf held every page until
// Output (+583 MB at 100,000 rows, docs/BENCHMARKS.md).
//
// Text is drawn in embedded TrueType fonts as CIDFontType2 with
// Identity-H encoding (two-byte glyph ids) and a ToUnicode CMap, so text
// extraction (pdftotext) gives back the Russian and Kazakh letters; the
// fonts are subset to the glyphs used.
package pdfw

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Points per millimetre: the API takes millimetres from the top left
// corner, as fpdf did; the PDF's own space is points from the bottom left.
const k = 72 / 25.4

// FanOut is how many pages an intermediate Pages node holds: the page tree
// is two levels, so nothing but the current node's kids is kept, and a
// viewer still finds a page in two steps.
const FanOut = 512

// Options are a document's fixed settings.
type Options struct {
	Width, Height float64   // page size in mm (A4 landscape: 297 × 210)
	Created       time.Time // the Info dictionary's CreationDate (the injected clock)
	Title         string
	// Footer, when set, draws page n of total, called for every page at
	// Close (when total is known); each footer is its own content stream
	// appended to the page's.
	Footer func(p *Page, n, total int)
	// Files are embedded in the document (the catalog's /Names
	// /EmbeddedFiles, shown in a viewer's attachments pane; pdfdetach
	// lists and saves them): a signed extract carries its signed
	// document and CMS (issue 12).
	Files []File
}

// File is an embedded file.
type File struct {
	Name        string // the file name, ASCII
	Description string
	MIME        string // e.g. application/pkcs7-signature
	Data        []byte
}

// Writer is one document being written.
type Writer struct {
	out     *bufio.Writer
	off     int64
	err     error
	offsets []int64 // by object number; -1: reserved, not yet written
	opt     Options
	fonts   []*fontUse

	root, resources int
	names           int   // the catalog's /Names, with Files
	node            int   // the current intermediate Pages node
	kids            []int // its pages so far
	nodes           []int // the intermediate nodes written
	footers         []int32
	pages           int

	page    *Page
	zbuf    bytes.Buffer
	zw      *zlib.Writer
	scratch []byte
}

type fontUse struct {
	*Font
	obj  int
	used map[uint16]rune
	seen []bool // by glyph: in used already (a slice: Text's per-letter check)
}

// New starts a document on w with the fonts (numbered 0, 1, … in SetFont).
func New(w io.Writer, fonts []*Font, opt Options) *Writer {
	pw := &Writer{out: bufio.NewWriterSize(w, 64<<10), opt: opt, offsets: []int64{0}}
	pw.zw, _ = zlib.NewWriterLevel(&pw.zbuf, zlib.BestSpeed)
	for _, f := range fonts {
		pw.fonts = append(pw.fonts, &fontUse{Font: f, used: map[uint16]rune{}, seen: make([]bool, f.numGlyphs)})
	}
	// The binary comment tells transfer programs the file is binary.
	pw.write("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	catalog := pw.reserve()
	pw.root, pw.resources = pw.reserve(), pw.reserve()
	if len(opt.Files) == 0 {
		pw.object(catalog, "<</Type/Catalog/Pages "+ref(pw.root)+">>")
	} else {
		pw.names = pw.reserve()
		pw.object(catalog, "<</Type/Catalog/Pages "+ref(pw.root)+"/Names "+ref(pw.names)+"/PageMode/UseAttachments>>")
	}
	return pw
}

func ref(n int) string { return strconv.Itoa(n) + " 0 R" }

// reserve is a new object number, its object written later.
func (w *Writer) reserve() int {
	w.offsets = append(w.offsets, -1)
	return len(w.offsets) - 1
}

func (w *Writer) write(s string) {
	if w.err != nil {
		return
	}
	n, err := w.out.WriteString(s)
	w.off += int64(n)
	w.err = err
}

func (w *Writer) writeBytes(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.out.Write(b)
	w.off += int64(n)
	w.err = err
}

// begin records object n's offset and opens it.
func (w *Writer) begin(n int) {
	w.offsets[n] = w.off
	w.write(strconv.Itoa(n) + " 0 obj\n")
}

func (w *Writer) object(n int, body string) {
	w.begin(n)
	w.write(body + "\nendobj\n")
}

// stream writes object n as a Flate-compressed stream of data, extra
// entries added to its dictionary.
func (w *Writer) stream(n int, extra string, data []byte) {
	w.zbuf.Reset()
	w.zw.Reset(&w.zbuf)
	w.zw.Write(data)
	w.zw.Close()
	w.begin(n)
	w.write("<</Filter/FlateDecode/Length " + strconv.Itoa(w.zbuf.Len()) + extra + ">>\nstream\n")
	w.writeBytes(w.zbuf.Bytes())
	w.write("\nendstream\nendobj\n")
}

// Page is the content of the page being drawn.
type Page struct {
	w       *Writer
	buf     bytes.Buffer
	font    int
	size    float64
	fill    [3]uint8 // the colour Rect fills with
	cur     [3]uint8 // the non-stroking colour set in the stream (text is drawn in it)
	lineSet bool
}

// NewPage finishes the current page (written out at once) and starts the
// next.
func (w *Writer) NewPage() *Page {
	w.endPage()
	p := w.page
	if p == nil {
		p = &Page{w: w}
		w.page = p
	}
	p.buf.Reset()
	p.font, p.size, p.cur, p.lineSet = -1, 0, [3]uint8{}, false
	w.pages++
	return p
}

// endPage writes the current page: its content stream and its page
// object, under the current intermediate node (a new node every FanOut
// pages; a full one is written at once).
func (w *Writer) endPage() {
	p := w.page
	if p == nil || w.pages == len(w.footers) {
		return
	}
	if len(w.kids) == 0 {
		w.node = w.reserve()
	}
	content := w.reserve()
	w.stream(content, "", p.buf.Bytes())
	contents := ref(content)
	if w.opt.Footer != nil {
		f := w.reserve()
		w.footers = append(w.footers, int32(f))
		contents += " " + ref(f)
	} else {
		w.footers = append(w.footers, 0)
	}
	pg := w.reserve()
	w.object(pg, "<</Type/Page/Parent "+ref(w.node)+"/MediaBox[0 0 "+num(w.opt.Width*k)+" "+num(w.opt.Height*k)+
		"]/Resources "+ref(w.resources)+"/Contents["+contents+"]>>")
	w.kids = append(w.kids, pg)
	if len(w.kids) == FanOut {
		w.flushNode()
	}
}

// flushNode writes the current intermediate node: its kids and count are
// known now.
func (w *Writer) flushNode() {
	if len(w.kids) == 0 {
		return
	}
	var b bytes.Buffer
	b.WriteString("<</Type/Pages/Parent " + ref(w.root) + "/Count " + strconv.Itoa(len(w.kids)) + "/Kids[")
	for i, kid := range w.kids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ref(kid))
	}
	b.WriteString("]>>")
	w.object(w.node, b.String())
	w.nodes = append(w.nodes, w.node)
	w.kids = w.kids[:0]
}

// PageCount is the number of pages begun so far.
func (w *Writer) PageCount() int { return w.pages }

// Close finishes the last page, writes the footers, the page tree's root,
// the fonts, the xref table and the trailer, and flushes.
func (w *Writer) Close() error {
	if w.pages == 0 {
		w.NewPage()
	}
	w.endPage()
	w.flushNode()
	if w.opt.Footer != nil {
		p := &Page{w: w}
		for i, f := range w.footers {
			p.buf.Reset()
			p.font, p.size, p.cur, p.lineSet = -1, 0, [3]uint8{}, false
			w.opt.Footer(p, i+1, w.pages)
			w.stream(int(f), "", p.buf.Bytes())
		}
	}
	var kids bytes.Buffer
	for i, n := range w.nodes {
		if i > 0 {
			kids.WriteByte(' ')
		}
		kids.WriteString(ref(n))
	}
	w.object(w.root, "<</Type/Pages/Count "+strconv.Itoa(w.pages)+"/Kids["+kids.String()+"]>>")
	var fonts bytes.Buffer
	for i, f := range w.fonts {
		f.obj = w.reserve()
		fonts.WriteString("/F" + strconv.Itoa(i) + " " + ref(f.obj))
	}
	w.object(w.resources, "<</ProcSet[/PDF/Text]/Font<<"+fonts.String()+">>>>")
	for _, f := range w.fonts {
		w.writeFont(f)
	}
	if w.names != 0 {
		w.writeFiles()
	}
	info := w.reserve()
	created := w.opt.Created.UTC().Format("20060102150405Z")
	w.object(info, "<</Producer(tenderdesk pdfw)/CreationDate(D:"+created+")/Title"+textString(w.opt.Title)+">>")
	xref := w.off
	w.write("xref\n0 " + strconv.Itoa(len(w.offsets)) + "\n0000000000 65535 f \n")
	for n, off := range w.offsets[1:] {
		if off < 0 {
			return fmt.Errorf("pdfw: object %d reserved but not written", n+1)
		}
		w.write(fmt.Sprintf("%010d 00000 n \n", off))
	}
	w.write("trailer\n<</Size " + strconv.Itoa(len(w.offsets)) + "/Root 1 0 R/Info " + ref(info) + ">>\nstartxref\n" +
		strconv.FormatInt(xref, 10) + "\n%%EOF\n")
	if w.err != nil {
		return w.err
	}
	return w.out.Flush()
}

// writeFont writes a Type0 font over its CIDFontType2 descendant, the
// glyphs used subset, their widths and the ToUnicode map.
func (w *Writer) writeFont(f *fontUse) {
	cid, desc, file, tounicode := w.reserve(), w.reserve(), w.reserve(), w.reserve()
	gids := make([]uint16, 0, len(f.used))
	for g := range f.used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	// A subset's name carries a tag of six capitals, derived from the
	// glyphs so equal subsets are named alike.
	h := sha256.New()
	for _, g := range gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := string(tag) + "+" + f.Name
	w.object(f.obj, "<</Type/Font/Subtype/Type0/BaseFont/"+name+"/Encoding/Identity-H/DescendantFonts["+ref(cid)+"]/ToUnicode "+ref(tounicode)+">>")
	var ws bytes.Buffer
	ws.WriteString("[")
	for _, g := range gids {
		ws.WriteString(strconv.Itoa(int(g)) + "[" + strconv.Itoa(f.scale(int(f.adv[g]))) + "]")
	}
	ws.WriteString("]")
	w.object(cid, "<</Type/Font/Subtype/CIDFontType2/BaseFont/"+name+"/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>"+
		"/FontDescriptor "+ref(desc)+"/DW "+strconv.Itoa(f.scale(int(f.adv[0])))+"/W"+ws.String()+"/CIDToGIDMap/Identity>>")
	w.object(desc, fmt.Sprintf("<</Type/FontDescriptor/FontName/%s/Flags %d/FontBBox[%d %d %d %d]/ItalicAngle %s/Ascent %d/Descent %d/CapHeight %d/StemV 80/FontFile2 %s>>",
		name, f.flags, f.scale(f.bbox[0]), f.scale(f.bbox[1]), f.scale(f.bbox[2]), f.scale(f.bbox[3]), num(f.italic),
		f.scale(f.ascent), f.scale(f.descent), f.scale(f.capHeight), ref(file)))
	sub := f.Subset(f.used)
	w.stream(file, "/Length1 "+strconv.Itoa(len(sub)), sub)
	var cm bytes.Buffer
	cm.WriteString("/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n" +
		"/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		cm.WriteString(strconv.Itoa(len(chunk)) + " beginbfchar\n")
		for _, g := range chunk {
			fmt.Fprintf(&cm, "<%04X><%s>\n", g, utf16hex(f.used[g]))
		}
		cm.WriteString("endbfchar\n")
	}
	cm.WriteString("endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n")
	w.stream(tounicode, "", cm.Bytes())
}

func utf16hex(r rune) string {
	if r >= 0x10000 {
		r -= 0x10000
		return fmt.Sprintf("%04X%04X", 0xD800+(r>>10), 0xDC00+(r&0x3FF))
	}
	return fmt.Sprintf("%04X", r)
}

// textString is s as a PDF text string (UTF-16BE with a byte-order mark).
func textString(s string) string {
	var b bytes.Buffer
	b.WriteString("<FEFF")
	for _, r := range s {
		b.WriteString(utf16hex(r))
	}
	b.WriteString(">")
	return b.String()
}

// appendNum appends num(v) without FormatFloat (a tenth of the time of
// a large extract went to formatting coordinates).
func appendNum(b []byte, v float64) []byte {
	c := int64(math.Round(v * 100))
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	if d := c % 100; d != 0 {
		b = append(b, '.', byte('0'+d/10))
		if d%10 != 0 {
			b = append(b, byte('0'+d%10))
		}
	}
	return b
}

// num is a coordinate with at most two decimals (a hundredth of a point
// is far below what shows).
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Width is s's width in mm in font (a SetFont index) at size points.
func (w *Writer) Width(font int, size float64, s string) float64 {
	f := w.fonts[font]
	u := 0
	for _, r := range s {
		u += f.Advance(r)
	}
	return float64(u) * size / 1000 / k
}

// Font is the font with index i (as given to New).
func (w *Writer) Font(i int) *Font { return w.fonts[i].Font }

// SetFont selects font i (as given to New) at size points for Text.
func (p *Page) SetFont(i int, size float64) { p.font, p.size = i, size }

// SetFill sets the fill colour of the rectangles drawn filled.
func (p *Page) SetFill(r, g, b uint8) { p.fill = [3]uint8{r, g, b} }

// color sets the non-stroking colour c unless it is set.
func (p *Page) color(c [3]uint8) {
	if p.cur == c {
		return
	}
	p.cur = c
	fmt.Fprintf(&p.buf, "%s %s %s rg\n", num(float64(c[0])/255), num(float64(c[1])/255), num(float64(c[2])/255))
}

// Text draws s with its baseline at y, starting at x (mm from the top left).
func (p *Page) Text(x, y float64, s string) {
	if s == "" || p.font < 0 {
		return
	}
	p.color([3]uint8{}) // text in black
	f := p.w.fonts[p.font]
	b := p.w.scratch[:0]
	b = append(b, "BT /F"...)
	b = strconv.AppendInt(b, int64(p.font), 10)
	b = append(b, ' ')
	b = appendNum(b, p.size)
	b = append(b, " Tf "...)
	b = appendNum(b, x*k)
	b = append(b, ' ')
	b = appendNum(b, (p.w.opt.Height-y)*k)
	b = append(b, " Td <"...)
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		g := f.Glyph(r)
		if int(g) < len(f.seen) && !f.seen[g] {
			f.seen[g] = true
			f.used[g] = r
		}
		b = append(b, hex[g>>12], hex[g>>8&15], hex[g>>4&15], hex[g&15])
	}
	b = append(b, "> Tj ET\n"...)
	p.buf.Write(b)
	p.w.scratch = b
}

// Rect draws a rectangle's border in black, 0.2 mm wide, filled first
// with the fill colour when fill is set.
func (p *Page) Rect(x, y, w, h float64, fill bool) {
	if !p.lineSet {
		p.buf.WriteString(num(0.2*k) + " w 0 G\n")
		p.lineSet = true
	}
	if fill {
		p.color(p.fill)
	}
	op := " re S\n"
	if fill {
		op = " re B\n"
	}
	b := p.w.scratch[:0]
	b = appendNum(b, x*k)
	b = append(b, ' ')
	b = appendNum(b, (p.w.opt.Height-y)*k)
	b = append(b, ' ')
	b = appendNum(b, w*k)
	b = append(b, ' ')
	b = appendNum(b, -h*k)
	b = append(b, op...)
	p.buf.Write(b)
	p.w.scratch = b
}

// writeFiles writes the embedded files, their file specifications and the
// EmbeddedFiles name tree (one leaf, its keys sorted as the tree wants).
func (w *Writer) writeFiles() {
	files := slices.Clone(w.opt.Files)
	slices.SortStableFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	var names bytes.Buffer
	created := w.opt.Created.UTC().Format("20060102150405Z")
	for _, f := range files {
		data, spec := w.reserve(), w.reserve()
		extra := "/Type/EmbeddedFile/Params<</Size " + strconv.Itoa(len(f.Data)) + "/ModDate(D:" + created + ")>>"
		if f.MIME != "" {
			extra += "/Subtype" + pdfName(f.MIME)
		}
		w.stream(data, extra, f.Data)
		w.object(spec, "<</Type/Filespec/F"+literal(f.Name)+"/UF"+textString(f.Name)+"/Desc"+textString(f.Description)+
			"/EF<</F "+ref(data)+"/UF "+ref(data)+">>/AFRelationship/Data>>")
		names.WriteString(literal(f.Name) + " " + ref(spec) + " ")
	}
	w.object(w.names, "<</EmbeddedFiles<</Names["+strings.TrimSpace(names.String())+"]>>>>")
}

// literal is s as a PDF literal string.
func literal(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`, "\r", `\r`, "\n", `\n`)
	return "(" + r.Replace(s) + ")"
}

// pdfName is s as a PDF name, "/" and every byte outside the regular
// characters written #XX.
func pdfName(s string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || strings.IndexByte("#()<>[]{}/%", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

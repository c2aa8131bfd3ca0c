package pdfw

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Font is a TrueType font read far enough to measure text, map runes to
// glyphs and embed the subset of glyphs a document used.
type Font struct {
	Name       string // PostScript name, e.g. DejaVuSansCondensed
	data       []byte
	tables     map[string][]byte
	unitsPerEm int
	numGlyphs  int
	longLoca   bool
	adv        []uint16 // advance per glyph, font units
	cmap       map[rune]uint16
	// bmpGlyph and bmpAdv are cmap and Advance for the Basic Multilingual
	// Plane as arrays: a map look-up per letter was a tenth of the time
	// of a 100,000-row extract.
	bmpGlyph  []uint16
	bmpAdv    []int16
	ascent    int
	descent   int
	capHeight int
	bbox      [4]int
	italic    float64
	flags     int
}

var be = binary.BigEndian

// ParseTTF reads the tables the writer needs. A font without a Unicode
// cmap (platform 3, encodings 1 or 10) is refused: text could not be
// mapped to glyphs.
func ParseTTF(name string, b []byte) (*Font, error) {
	if len(b) < 12 {
		return nil, errors.New("ttf: too short")
	}
	f := &Font{Name: name, data: b, tables: map[string][]byte{}}
	n := int(be.Uint16(b[4:]))
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(b) {
			return nil, errors.New("ttf: truncated table directory")
		}
		tag := string(b[rec : rec+4])
		off, ln := int(be.Uint32(b[rec+8:])), int(be.Uint32(b[rec+12:]))
		if off+ln > len(b) {
			return nil, fmt.Errorf("ttf: table %s out of range", tag)
		}
		f.tables[tag] = b[off : off+ln]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "cmap", "loca", "glyf"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("ttf: no %s table", t)
		}
	}
	for t, n := range map[string]int{"head": 54, "hhea": 36, "maxp": 6} {
		if len(f.tables[t]) < n {
			return nil, fmt.Errorf("ttf: %s table too short", t)
		}
	}
	head := f.tables["head"]
	f.unitsPerEm = int(be.Uint16(head[18:]))
	for i := range 4 {
		f.bbox[i] = int(int16(be.Uint16(head[36+2*i:])))
	}
	f.longLoca = be.Uint16(head[50:]) == 1
	f.numGlyphs = int(be.Uint16(f.tables["maxp"][4:]))
	hhea := f.tables["hhea"]
	f.ascent = int(int16(be.Uint16(hhea[4:])))
	f.descent = int(int16(be.Uint16(hhea[6:])))
	nh := int(be.Uint16(hhea[34:]))
	hmtx := f.tables["hmtx"]
	if nh == 0 || len(hmtx) < 4*nh || f.unitsPerEm == 0 {
		return nil, errors.New("ttf: bad hmtx")
	}
	f.adv = make([]uint16, f.numGlyphs)
	for g := range f.numGlyphs {
		if g < nh {
			f.adv[g] = be.Uint16(hmtx[4*g:])
		} else {
			f.adv[g] = f.adv[nh-1]
		}
	}
	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && be.Uint16(os2) >= 2 {
		f.capHeight = int(int16(be.Uint16(os2[88:])))
	}
	if post := f.tables["post"]; len(post) >= 8 {
		f.italic = float64(int32(be.Uint32(post[4:]))) / 65536
	}
	f.flags = 32 // nonsymbolic
	if f.italic != 0 {
		f.flags |= 64
	}
	if err := f.readCmap(); err != nil {
		return nil, err
	}
	f.bmpGlyph, f.bmpAdv = make([]uint16, 0x10000), make([]int16, 0x10000)
	for r := range rune(0x10000) {
		g := f.cmap[r]
		f.bmpGlyph[r], f.bmpAdv[r] = g, int16(f.scale(int(f.adv[g])))
	}
	return f, nil
}

func (f *Font) readCmap() error {
	t := f.tables["cmap"]
	n := int(be.Uint16(t[2:]))
	best, bestFmt := -1, 0
	for i := range n {
		rec := t[4+8*i:]
		pid, eid, off := be.Uint16(rec), be.Uint16(rec[2:]), int(be.Uint32(rec[4:]))
		if pid != 3 || (eid != 1 && eid != 10) || off >= len(t) {
			continue
		}
		format := int(be.Uint16(t[off:]))
		if (format == 12 && bestFmt != 12) || (format == 4 && best < 0) {
			best, bestFmt = off, format
		}
	}
	if best < 0 {
		return errors.New("ttf: no Unicode cmap")
	}
	f.cmap = map[rune]uint16{}
	s := t[best:]
	switch bestFmt {
	case 4:
		segs := int(be.Uint16(s[6:])) / 2
		ends, starts, deltas, ranges := s[14:], s[16+2*segs:], s[16+4*segs:], s[16+6*segs:]
		for i := range segs {
			end, start := rune(be.Uint16(ends[2*i:])), rune(be.Uint16(starts[2*i:]))
			delta, ro := be.Uint16(deltas[2*i:]), int(be.Uint16(ranges[2*i:]))
			for c := start; c <= end && c != 0xFFFF; c++ {
				var g uint16
				if ro == 0 {
					g = uint16(c) + delta
				} else {
					p := 2*i + ro + 2*int(c-start)
					if p+2 > len(ranges) {
						continue
					}
					if g = be.Uint16(ranges[p:]); g != 0 {
						g += delta
					}
				}
				if g != 0 {
					f.cmap[c] = g
				}
			}
		}
	case 12:
		groups := int(be.Uint32(s[12:]))
		for i := range groups {
			gr := s[16+12*i:]
			start, end, g := rune(be.Uint32(gr)), rune(be.Uint32(gr[4:])), be.Uint32(gr[8:])
			for c := start; c <= end; c++ {
				f.cmap[c] = uint16(g + uint32(c-start))
			}
		}
	}
	return nil
}

// Glyph is the glyph of r (0, the .notdef box, when the font lacks it).
func (f *Font) Glyph(r rune) uint16 {
	if r >= 0 && r < 0x10000 {
		return f.bmpGlyph[r]
	}
	return f.cmap[r]
}

// Advance is r's advance width in thousandths of the em, rounded as fpdf
// rounds its width table, so text wraps where it wrapped before.
func (f *Font) Advance(r rune) int {
	if r >= 0 && r < 0x10000 {
		return int(f.bmpAdv[r])
	}
	return f.scale(int(f.adv[f.cmap[r]]))
}

func (f *Font) scale(v int) int {
	return int(float64(v)*1000/float64(f.unitsPerEm) + 0.5*sign(v))
}

func sign(v int) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// Subset is the font with only the glyphs used (and those composite glyphs
// are built from, and .notdef) kept in glyf; glyph numbers stay as they
// are, so the PDF's CIDs are the original glyph ids (Identity). Tables a
// PDF viewer does not read (layout, names, kerning) are left out: DejaVu's
// 680 KB become a few tens of KB.
func (f *Font) Subset(used map[uint16]rune) []byte {
	keep := map[uint16]bool{0: true}
	var todo []uint16
	for g := range used {
		todo = append(todo, g)
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if keep[g] || int(g) >= f.numGlyphs {
			continue
		}
		keep[g] = true
		todo = append(todo, f.components(f.glyph(g))...)
	}
	var glyf []byte
	loca := make([]byte, 4*(f.numGlyphs+1))
	for g := range f.numGlyphs {
		be.PutUint32(loca[4*g:], uint32(len(glyf)))
		if keep[uint16(g)] {
			glyf = append(glyf, f.glyph(uint16(g))...)
			for len(glyf)%4 != 0 {
				glyf = append(glyf, 0)
			}
		}
	}
	be.PutUint32(loca[4*f.numGlyphs:], uint32(len(glyf)))
	head := slices.Clone(f.tables["head"])
	be.PutUint32(head[8:], 0)  // checkSumAdjustment: not recomputed, viewers ignore it
	be.PutUint16(head[50:], 1) // long loca
	out := map[string][]byte{"head": head, "loca": loca, "glyf": glyf}
	for _, t := range []string{"hhea", "maxp", "hmtx", "cvt ", "fpgm", "prep", "OS/2", "post"} {
		if b := f.tables[t]; b != nil {
			out[t] = b
		}
	}
	if post := out["post"]; len(post) >= 32 {
		// Version 3: no glyph names (the names table of version 2 is the
		// size of the font's repertoire).
		p := slices.Clone(post[:32])
		be.PutUint32(p, 0x00030000)
		out["post"] = p
	}
	return writeTTF(out)
}

// glyph is glyph g's data in glyf.
func (f *Font) glyph(g uint16) []byte {
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	var a, b int
	if f.longLoca {
		a, b = int(be.Uint32(loca[4*int(g):])), int(be.Uint32(loca[4*int(g)+4:]))
	} else {
		a, b = 2*int(be.Uint16(loca[2*int(g):])), 2*int(be.Uint16(loca[2*int(g)+2:]))
	}
	if a >= b || b > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// components are the glyphs a composite glyph is drawn from.
func (f *Font) components(d []byte) []uint16 {
	if len(d) < 10 || int16(be.Uint16(d)) >= 0 {
		return nil
	}
	var out []uint16
	p := 10
	for p+4 <= len(d) {
		flags := be.Uint16(d[p:])
		out = append(out, be.Uint16(d[p+2:]))
		p += 4
		if flags&1 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&8 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x40 != 0: // X_AND_Y_SCALE
			p += 4
		case flags&0x80 != 0: // TWO_BY_TWO
			p += 8
		}
		if flags&0x20 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return out
}

// writeTTF lays tables out as a font file, each 4-byte aligned, with the
// directory sorted by tag and every table's checksum.
func writeTTF(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	es, sr := 0, 1
	for sr*2 <= n {
		sr *= 2
		es++
	}
	out := make([]byte, 12+16*n)
	be.PutUint32(out, 0x00010000)
	be.PutUint16(out[4:], uint16(n))
	be.PutUint16(out[6:], uint16(sr*16))
	be.PutUint16(out[8:], uint16(es))
	be.PutUint16(out[10:], uint16(n*16-sr*16))
	off := len(out)
	for i, t := range tags {
		b := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		be.PutUint32(rec[4:], checksum(b))
		be.PutUint32(rec[8:], uint32(off))
		be.PutUint32(rec[12:], uint32(len(b)))
		off += (len(b) + 3) &^ 3
	}
	for _, t := range tags {
		out = append(out, tables[t]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:min(i+4, len(b))])
		s += be.Uint32(w[:])
	}
	return s
}

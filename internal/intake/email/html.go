package email

import (
	"html"
	"strings"
)

// blockTags end a line in the text rendering of HTML.
var blockTags = map[string]bool{
	"br": true, "p": true, "div": true, "li": true, "tr": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true,
	"table": true, "ul": true, "ol": true, "hr": true,
}

// HTMLToText renders an HTML body as plain text for the journal: tags are
// dropped, script/style/head contents removed, block elements end lines,
// entities decoded and blank runs collapsed. It is deliberately small (no
// DOM): appeals need the words, not the layout.
func HTMLToText(s string) string {
	var b strings.Builder
	skip := "" // inside <script>, <style> or <head>, until its end tag
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			if skip == "" {
				b.WriteString(html.UnescapeString(s))
			}
			break
		}
		if skip != "" {
			// Raw text (script/style): only its own end tag ends it.
			end := strings.Index(strings.ToLower(s), "</"+skip)
			if end < 0 {
				break
			}
			s = s[end:]
			skip = ""
			if gt := strings.IndexByte(s, '>'); gt >= 0 {
				s = s[gt+1:]
				continue
			}
			break
		}
		b.WriteString(html.UnescapeString(s[:lt]))
		s = s[lt:]
		if strings.HasPrefix(s, "<!--") {
			end := strings.Index(s, "-->")
			if end < 0 {
				break
			}
			s = s[end+3:]
			continue
		}
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			break // unterminated tag: the rest is markup, not text
		}
		tag := s[1:gt]
		s = s[gt+1:]
		closing := strings.HasPrefix(tag, "/")
		name := strings.ToLower(strings.TrimLeft(tag, "/"))
		if i := strings.IndexAny(name, " \t\r\n/"); i >= 0 {
			name = name[:i]
		}
		switch {
		case !closing && (name == "script" || name == "style" || name == "head"):
			skip = name
		case blockTags[name]:
			b.WriteByte('\n')
		}
	}
	return tidyLines(b.String())
}

// tidyLines collapses spaces inside lines and drops blank lines: HTML mail
// is full of empty blocks that carry no meaning in plain text.
func tidyLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\u00a0", " "), "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

package files

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"tenderdesk/internal/apperr"
)

// The part parser (Q8): any headers give an offset ≥ 0 or a client error
// naming the problem; never a panic. A part declared over 20 MB is 413.
func FuzzParsePart(f *testing.F) {
	f.Add("application/offset+octet-stream", "0", int64(5))
	f.Add("application/offset+octet-stream", "-1", int64(0))
	f.Add("application/offset+octet-stream", "+7", int64(0))
	f.Add("application/json", "0", int64(1))
	f.Add("application/offset+octet-stream", "20971520", int64(20<<20+1))
	f.Add("application/offset+octet-stream", "99999999999999999999", int64(-1))
	f.Fuzz(func(t *testing.T, ct, off string, length int64) {
		h := http.Header{}
		h.Set("Content-Type", ct)
		h.Set("Upload-Offset", off)
		got, err := ParsePart(h, length)
		if err == nil {
			if got < 0 || length > PartMax {
				t.Fatalf("accepted offset %d, length %d", got, length)
			}
			return
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Message == "" {
			t.Fatalf("not a client error: %v", err)
		}
		switch ae.Code {
		case apperr.Invalid, apperr.Unsupported, apperr.TooLarge:
		default:
			t.Fatalf("code %s", ae.Code)
		}
		if length > PartMax && ct == "application/offset+octet-stream" && ae.Code != apperr.TooLarge {
			t.Fatalf("Q8: a part of %d bytes: %v", length, err)
		}
	})
}

// Upload-Metadata and the file name: any header gives a name that is one
// path element without control characters, at most 200 characters.
func FuzzMetadata(f *testing.F) {
	f.Add("filename c2hvdC5wbmc=,filetype aW1hZ2UvcG5n")
	f.Add("filename Li4vLi4vZXRjL3Bhc3N3ZA==") // ../../etc/passwd
	f.Add("filename ,filetype")
	f.Add(",,, x y z")
	f.Fuzz(func(t *testing.T, h string) {
		name := cleanName(metadata(h)["filename"])
		if name == "" || strings.ContainsAny(name, "/\x00\r\n") || name == ".." || utf8.RuneCountInString(name) > 200 {
			t.Fatalf("name %q from %q", name, h)
		}
	})
}

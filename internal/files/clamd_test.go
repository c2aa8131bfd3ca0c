package files_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"tenderdesk/internal/files"
	"tenderdesk/internal/files/clamdtest"
)

// Q26 against the real clamd: the EICAR test file is found, clean bytes
// (several INSTREAM chunks) pass, the EICAR string past the first chunk is
// found too.
func TestClamdInstreamQ26(t *testing.T) {
	c, _, err := files.ParseClamd(clamdtest.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		data     []byte
		infected bool
	}{
		{"eicar", []byte(clamdtest.EICAR), true},
		{"clean 300 KB", bytes.Repeat([]byte("заявка "), 300<<10/13), false},
		{"empty", nil, false},
		{"eicar after 200 KB", append(bytes.Repeat([]byte{'a'}, 200<<10), clamdtest.EICAR...), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := c.Scan(ctx, bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if v.Infected != tc.infected || (tc.infected && !strings.Contains(v.Signature, "EICAR")) {
				t.Fatalf("verdict %+v, want infected=%v", v, tc.infected)
			}
		})
	}
}

func TestParseClamd(t *testing.T) {
	for _, tc := range []struct {
		in, network, addr string
		off, err          bool
	}{
		{"", "", "", false, false},
		{"off", "", "", true, false},
		{"unix:/run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl", false, false},
		{"/run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl", false, false},
		{"tcp:127.0.0.1:3310", "tcp", "127.0.0.1:3310", false, false},
		{"127.0.0.1:3310", "tcp", "127.0.0.1:3310", false, false},
		{"clamd", "", "", false, true},
	} {
		c, off, err := files.ParseClamd(tc.in)
		if (err != nil) != tc.err || off != tc.off {
			t.Errorf("%q: off=%v err=%v", tc.in, off, err)
			continue
		}
		if tc.network != "" && (c == nil || c.Network != tc.network || c.Addr != tc.addr) {
			t.Errorf("%q: %+v", tc.in, c)
		}
		if tc.network == "" && c != nil {
			t.Errorf("%q: a scanner %+v", tc.in, c)
		}
	}
}

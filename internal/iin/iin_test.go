package iin

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		// 1..11 weights: 0*1+0*2+0*3+0*4+0*5+0*6+0*7+0*8+0*9+0*10+1*11 = 11 → 0.
		{"000000000010", nil},
		{"000000000011", ErrChecksum},
		// 1*1+2*2+…+9*9 + 0*10 + 1*11 = 285+11 = 296 → 296 mod 11 = 10 → second pass:
		// weights 3..11,1,2: 1*3+2*4+3*5+4*6+5*7+6*8+7*9+8*10+9*11+0*1+1*2 = 377 → 377 mod 11 = 3.
		{"123456789013", nil},
		{"123456789010", ErrChecksum},
		{"12345678901", ErrLength},
		{"1234567890123", ErrLength},
		{"12345678901a", ErrLength},
		{"12345678901:", ErrLength}, // ':' is the character just above '9'
		{"12345678901/", ErrLength}, // '/' is just below '0'
		{"923456789017", nil},       // a leading 9 is a digit: 9*1+2*2+3*3+…+9*9+0*10+1*11 = 304 → 304 mod 11 = 7
		{"", ErrLength},
	}
	for _, c := range cases {
		if got := Validate(c.in); !errors.Is(got, c.want) {
			t.Errorf("Validate(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// Every 11-digit prefix has at most one valid control digit.
func TestAtMostOneControlDigit(t *testing.T) {
	for _, p := range []string{"98071240000", "12345678901", "00000000000", "55555555555", "99999999999"} {
		n := 0
		for c := '0'; c <= '9'; c++ {
			if Validate(p+string(c)) == nil {
				n++
			}
		}
		if n > 1 {
			t.Errorf("%s: %d valid control digits", p, n)
		}
	}
}

// When the second weighted sum is also 10 no control digit is valid.
// 0*1+6*2+8*3+7*4+0*5+9*6+8*7+6*8+1*9+1*10+9*11 = 340 → 340 mod 11 = 10;
// weights 3..11,1,2: 0*3+6*4+8*5+7*6+0*7+9*8+8*9+6*10+1*11+1*1+9*2 = 340 → 10 again.
func TestSecondChecksumTen(t *testing.T) {
	for c := '0'; c <= '9'; c++ {
		if err := Validate("06870986119" + string(c)); !errors.Is(err, ErrChecksum) {
			t.Errorf("06870986119%c: %v, want %v", c, err, ErrChecksum)
		}
	}
}

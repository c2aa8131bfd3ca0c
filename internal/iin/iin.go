// Package iin validates Kazakhstan's 12-digit business (BIN) and individual
// (IIN) identification numbers by their control digit.
package iin

import "errors"

var (
	ErrLength   = errors.New("must be exactly 12 digits")
	ErrChecksum = errors.New("control digit does not match (not a valid BIN/IIN)")
)

// Validate checks the 12th digit: the weighted sum of the first 11 digits
// with weights 1..11, mod 11; when that is 10, weights 3..11,1,2; a second 10
// means the number cannot be valid.
func Validate(s string) error {
	if len(s) != 12 {
		return ErrLength
	}
	var d [12]int
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return ErrLength
		}
		d[i] = int(s[i] - '0')
	}
	sum := func(start int) int {
		t := 0
		for i := 0; i < 11; i++ {
			w := (start+i-1)%11 + 1
			t += d[i] * w
		}
		return t % 11
	}
	c := sum(1)
	if c == 10 {
		c = sum(3)
		if c == 10 {
			return ErrChecksum
		}
	}
	if c != d[11] {
		return ErrChecksum
	}
	return nil
}

// Package secret seals the few values the desk must send but must not keep
// readable in its database: the access code of tracking by number (R7) and
// the link of an invitation (E6) wait in the notification outbox until the
// mail is rendered. They are sealed with AES-256-GCM under a key kept
// outside the database (a file beside the uploaded files), so a copy of the
// database — a backup, a dump, the outbox view — holds no usable code.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Prefix marks a sealed value; anything else is plain (rows queued before
// sealing existed).
const Prefix = "sealed:v1:"

// Box seals and opens values with one key.
type Box struct{ aead cipher.AEAD }

// New is a box of a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: key of %d bytes, want 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Box{aead: g}, nil
}

// Load reads the key file at path, creating it (32 random bytes, mode 0600)
// when it does not exist. Desk processes sharing one database must share
// the file, as they share the files directory.
func Load(path string) (*Box, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // another process made it first
			return Load(path)
		}
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("secret: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	b, err := New(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %s: %w", path, err)
	}
	return b, nil
}

// Seal returns plain sealed (Prefix, then base64 of nonce and ciphertext);
// "" stays "".
func (b *Box) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open returns the plain value of a sealed one; a value without Prefix is
// returned as it is.
func (b *Box) Open(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return s, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("secret: not a sealed value")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errors.New("secret: sealed with another key (is the key file the one this database was used with?)")
	}
	return string(plain), nil
}

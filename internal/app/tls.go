package app

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// certReloader serves the certificate in certFile/keyFile and re-reads
// them when either file's modification time changes, so a renewed
// certificate is used without a restart (E30). A renewal caught half
// written keeps the previous certificate until the pair loads again.
type certReloader struct {
	certFile, keyFile string

	mu      sync.Mutex
	cert    *tls.Certificate
	certMod time.Time
	keyMod  time.Time
}

func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile}
	if _, err := c.get(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) get() (*tls.Certificate, error) {
	cs, err := os.Stat(c.certFile)
	if err != nil {
		return c.keep(fmt.Errorf("tls-cert: %w", err))
	}
	ks, err := os.Stat(c.keyFile)
	if err != nil {
		return c.keep(fmt.Errorf("tls-key: %w", err))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cert != nil && cs.ModTime().Equal(c.certMod) && ks.ModTime().Equal(c.keyMod) {
		return c.cert, nil
	}
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil
		}
		return nil, fmt.Errorf("tls: %w", err)
	}
	c.cert, c.certMod, c.keyMod = &pair, cs.ModTime(), ks.ModTime()
	return c.cert, nil
}

func (c *certReloader) keep(err error) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cert != nil {
		return c.cert, nil
	}
	return nil, err
}

func (c *certReloader) config() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.get() }}
}

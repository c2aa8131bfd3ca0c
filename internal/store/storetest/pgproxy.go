package storetest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// PGProxy is a TCP proxy in front of the real PostgreSQL, for outage tests
// (issue 15): the desk connects through it, and the test cuts every
// connection and refuses new ones (Cut), lets connections in again on the
// same address (Restore), or accepts and never answers (Hang), which is
// what a dead host behind a firewall looks like. Armed with a key, it cuts
// at the moment the server acknowledges the COMMIT of a transaction that
// sent the key: the commit happened, the desk never hears of it.
type PGProxy struct {
	t testing.TB
	// Addr is where the desk connects (host:port), the same across Cut and Restore.
	Addr     string
	upstream string

	mu      sync.Mutex
	l       net.Listener
	conns   map[net.Conn]struct{}
	hanging bool
	armKey  []byte
	// commitCut is closed when an armed cut happened.
	commitCut chan struct{}
}

// NewPGProxy listens on 127.0.0.1 and forwards to upstream (host:port).
func NewPGProxy(t testing.TB, upstream string) *PGProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &PGProxy{t: t, Addr: l.Addr().String(), upstream: upstream, l: l, conns: map[net.Conn]struct{}{}}
	go p.serve(l)
	t.Cleanup(p.Cut)
	return p
}

func (p *PGProxy) serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

// Cut closes every connection (both sides: the server rolls back what
// was open) and the listener, so a new connection is refused.
func (p *PGProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

func (p *PGProxy) cutLocked() {
	if p.l != nil {
		p.l.Close()
		p.l = nil
	}
	p.dropLocked(false)
}

// dropLocked closes every connection; hanging says what new ones get.
func (p *PGProxy) dropLocked(hanging bool) {
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
	p.hanging = hanging
}

// Hang drops every connection and accepts new ones that never get an
// answer (no refusal: the desk must give up by itself).
func (p *PGProxy) Hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropLocked(true)
}

// Restore listens on the same address again and forwards.
func (p *PGProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hanging = false
	if p.l != nil {
		return
	}
	var err error
	for i := 0; i < 50; i++ {
		var l net.Listener
		if l, err = net.Listen("tcp", p.Addr); err == nil {
			p.l = l
			go p.serve(l)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Errorf("proxy cannot listen on %s again: %v", p.Addr, err)
}

// Arm makes the next COMMIT acknowledged on a connection that sent key
// twice (the transaction's idempotency look-up and its insert) cut
// everything instead of reaching the desk.
func (p *PGProxy) Arm(key string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armKey, p.commitCut = []byte(key), make(chan struct{})
	return p.commitCut
}

func (p *PGProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *PGProxy) pipe(c net.Conn) {
	p.mu.Lock()
	hanging := p.hanging
	p.mu.Unlock()
	if hanging {
		p.track(c) // held, never answered, closed at the next Cut/Restore
		return
	}
	u, err := net.Dial("tcp", p.upstream)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, u) {
		c.Close()
		u.Close()
		return
	}
	var seen struct {
		sync.Mutex
		n int
	}
	// desk → server: count the armed key in the stream (a bind parameter
	// travels as text); the tail keeps a key split across two reads.
	go func() {
		defer u.Close()
		buf := make([]byte, 32<<10)
		var tail []byte
		for {
			n, err := c.Read(buf)
			if n > 0 {
				p.mu.Lock()
				key := p.armKey
				p.mu.Unlock()
				if len(key) > 0 {
					win := append(tail, buf[:n]...)
					seen.Lock()
					seen.n += bytes.Count(win, key)
					seen.Unlock()
					if k := len(key) - 1; len(win) > k {
						tail = append([]byte(nil), win[len(win)-k:]...)
					} else {
						tail = win
					}
				}
				if _, werr := u.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	// server → desk, message by message (type byte, int32 length): every
	// message the server sends after the (unencrypted) startup is framed.
	defer c.Close()
	br := bufio.NewReaderSize(u, 32<<10)
	bw := bufio.NewWriterSize(c, 32<<10)
	hdr := make([]byte, 5)
	for {
		if _, err := io.ReadFull(br, hdr); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[1:])) - 4
		if n < 0 || n > 1<<30 {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		if hdr[0] == 'C' && bytes.HasPrefix(body, []byte("COMMIT")) {
			seen.Lock()
			hit := seen.n >= 2
			seen.Unlock()
			p.mu.Lock()
			if hit && len(p.armKey) > 0 {
				p.armKey = nil
				close(p.commitCut) // before the desk can hear of the cut
				p.cutLocked()
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
		}
		bw.Write(hdr)
		bw.Write(body)
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

// ProxiedPostgres is PostgresURL (a fresh schema; skips without
// TENDERDESK_TEST_POSTGRES) twice: the URL through a new PGProxy, for the
// desk, and the direct one, for the test's own look at the database.
func ProxiedPostgres(t testing.TB) (proxied, direct string, p *PGProxy) {
	t.Helper()
	direct = PostgresURL(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	p = NewPGProxy(t, u.Host)
	u.Host = p.Addr
	q := u.Query()
	q.Set("sslmode", "disable") // the proxy reads the server's messages
	u.RawQuery = q.Encode()
	return u.String(), direct, p
}

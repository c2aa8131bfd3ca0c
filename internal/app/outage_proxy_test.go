package app_test

import (
	"bufio"
	"bytes"
	be "encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// pgProxy is a TCP proxy in front of the real PostgreSQL, for outage tests
// (issue 15): the desk connects through it, and the test cuts every
// connection and refuses new ones (cut), lets connections in again on the
// same address (restore), or accepts and never answers (hang), which is
// what a dead host behind a firewall looks like. Armed with a key, it cuts
// at the moment the server acknowledges the COMMIT of a transaction that
// sent the key: the commit happened, the desk never hears of it.
type pgProxy struct {
	t        testing.TB
	addr     string
	upstream string

	mu      sync.Mutex
	l       net.Listener
	conns   map[net.Conn]struct{}
	hanging bool
	armKey  []byte
	// commitCut is closed when an armed cut happened.
	commitCut chan struct{}
	accepted  int
}

func newPGProxy(t testing.TB, upstream string) *pgProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{t: t, addr: l.Addr().String(), upstream: upstream, l: l, conns: map[net.Conn]struct{}{}}
	go p.serve(l)
	t.Cleanup(p.cut)
	return p
}

func (p *pgProxy) serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

// cut closes every connection (both sides: the server rolls back what
// was open) and the listener, so a new connection is refused.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

func (p *pgProxy) cutLocked() {
	if p.l != nil {
		p.l.Close()
		p.l = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
	p.hanging = false
}

// hang drops every connection and accepts new ones that never get an
// answer (no refusal: the desk must give up by itself).
func (p *pgProxy) hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
	p.hanging = true
}

// restore listens on the same address again and forwards.
func (p *pgProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hanging = false
	if p.l != nil {
		return
	}
	var err error
	for i := 0; i < 50; i++ {
		var l net.Listener
		if l, err = net.Listen("tcp", p.addr); err == nil {
			p.l = l
			go p.serve(l)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Errorf("proxy cannot listen on %s again: %v", p.addr, err)
}

// arm makes the next COMMIT acknowledged on a connection that sent key
// twice (the transaction's idempotency look-up and its insert) cut
// everything instead of reaching the desk.
func (p *pgProxy) arm(key string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armKey, p.commitCut = []byte(key), make(chan struct{})
	return p.commitCut
}

func (p *pgProxy) track(cs ...net.Conn) bool {
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

func (p *pgProxy) pipe(c net.Conn) {
	p.mu.Lock()
	hanging := p.hanging
	p.accepted++
	p.mu.Unlock()
	if hanging {
		p.track(c) // held, never answered, closed at the next cut/restore
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
		n := int(be.BigEndian.Uint32(hdr[1:])) - 4
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

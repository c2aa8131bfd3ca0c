package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Verdict is what a scan found.
type Verdict struct {
	Infected  bool
	Signature string // the signature clamd named, when infected
}

// Scanner scans a stream of bytes.
type Scanner interface {
	Scan(ctx context.Context, r io.Reader) (Verdict, error)
}

// Clamd talks to a ClamAV daemon over its INSTREAM command (clamd's
// socket protocol): the stream goes in chunks of at most ChunkSize, so a
// file is never held whole.
type Clamd struct {
	Network, Addr string        // "unix" and a socket path, or "tcp" and host:port
	Timeout       time.Duration // whole scan; default 2 minutes
}

// ChunkSize of an INSTREAM chunk (clamd's StreamMaxLength bounds the total).
const ChunkSize = 64 << 10

// ParseClamd reads the --clamd setting: "unix:/run/clamav/clamd.ctl",
// "tcp:127.0.0.1:3310", a bare socket path or host:port; "off" turns
// scanning off explicitly (off true); "" is no scanner (uploads refused).
func ParseClamd(s string) (c *Clamd, off bool, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, false, nil
	case s == "off":
		return nil, true, nil
	case strings.HasPrefix(s, "unix:"):
		return &Clamd{Network: "unix", Addr: strings.TrimPrefix(s, "unix:")}, false, nil
	case strings.HasPrefix(s, "tcp:"):
		s = strings.TrimPrefix(s, "tcp:")
	case strings.HasPrefix(s, "/"):
		return &Clamd{Network: "unix", Addr: s}, false, nil
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return nil, false, fmt.Errorf("clamd %q: unix:/path/to/socket, tcp:host:port or off", s)
	}
	return &Clamd{Network: "tcp", Addr: s}, false, nil
}

func (c *Clamd) dial(ctx context.Context) (net.Conn, error) {
	t := c.Timeout
	if t <= 0 {
		t = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.Network, c.Addr)
	if err != nil {
		return nil, fmt.Errorf("clamd %s %s: %w", c.Network, c.Addr, err)
	}
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl.Add(0))
	return conn, nil
}

// Ping checks clamd answers PONG.
func (c *Clamd) Ping(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return fmt.Errorf("clamd ping: %w", err)
	}
	reply, err := bufio.NewReader(conn).ReadString(0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("clamd ping: %w", err)
	}
	if strings.TrimRight(reply, "\x00\n") != "PONG" {
		return fmt.Errorf("clamd ping: answered %q", reply)
	}
	return nil
}

// Scan streams r to clamd and reads its verdict.
func (c *Clamd) Scan(ctx context.Context, r io.Reader) (Verdict, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer conn.Close()
	w := bufio.NewWriterSize(conn, ChunkSize+4)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return Verdict{}, fmt.Errorf("clamd: %w", err)
	}
	buf := make([]byte, ChunkSize)
	var hdr [4]byte
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			binary.BigEndian.PutUint32(hdr[:], uint32(n))
			if _, err := w.Write(hdr[:]); err != nil {
				return Verdict{}, fmt.Errorf("clamd: %w", err)
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return Verdict{}, fmt.Errorf("clamd: %w (stream too long for its StreamMaxLength?)", err)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return Verdict{}, fmt.Errorf("read file to scan: %w", rerr)
		}
	}
	if _, err := w.Write([]byte{0, 0, 0, 0}); err != nil {
		return Verdict{}, fmt.Errorf("clamd: %w", err)
	}
	if err := w.Flush(); err != nil {
		return Verdict{}, fmt.Errorf("clamd: %w", err)
	}
	reply, err := bufio.NewReader(conn).ReadString(0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Verdict{}, fmt.Errorf("clamd reply: %w", err)
	}
	return parseReply(reply)
}

// parseReply reads "stream: OK", "stream: Eicar-Signature FOUND" or
// "… ERROR".
func parseReply(reply string) (Verdict, error) {
	reply = string(bytes.TrimRight([]byte(reply), "\x00\n"))
	_, rest, ok := strings.Cut(reply, ": ")
	if !ok {
		rest = reply
	}
	switch {
	case rest == "OK":
		return Verdict{}, nil
	case strings.HasSuffix(rest, " FOUND"):
		return Verdict{Infected: true, Signature: strings.TrimSuffix(rest, " FOUND")}, nil
	}
	return Verdict{}, fmt.Errorf("clamd: %s", reply)
}

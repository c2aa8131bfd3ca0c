package monitor

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// MaxSyslogMessage bounds one message (RFC 5425 asks receivers for at
// least 2048 octets; 64 KiB is generous).
const MaxSyslogMessage = 64 << 10

// SyslogConfig says where the syslog receivers listen.
type SyslogConfig struct {
	TCP string // host:port for TCP (TLS when TLS is set); "" off
	UDP string // host:port for UDP; "" off
	TLS *tls.Config
	// Flush is how often gathered lines are stored (default 200 ms): at
	// most this much of a TCP or UDP stream is in memory only. Syslog over
	// TCP has no acknowledgement, so that is the most a crash can take.
	Flush time.Duration
}

// Syslog is the running receivers.
type Syslog struct {
	g       *Logs
	tcp     net.Listener
	udp     net.PacketConn
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	stop    chan struct{}
	stopped sync.Once
}

// ListenSyslog binds the receivers and starts reading; Close stops them
// after storing what they read.
func (s *Service) ListenSyslog(cfg SyslogConfig) (*Syslog, error) {
	y := &Syslog{g: s.Logs(), conns: map[net.Conn]struct{}{}, stop: make(chan struct{})}
	if cfg.Flush <= 0 {
		cfg.Flush = 200 * time.Millisecond
	}
	if cfg.TCP != "" {
		ln, err := net.Listen("tcp", cfg.TCP)
		if err != nil {
			return nil, err
		}
		if cfg.TLS != nil {
			ln = tls.NewListener(ln, cfg.TLS)
		}
		y.tcp = ln
		y.wg.Add(1)
		go y.acceptTCP()
	}
	if cfg.UDP != "" {
		pc, err := net.ListenPacket("udp", cfg.UDP)
		if err != nil {
			if y.tcp != nil {
				y.tcp.Close()
			}
			return nil, err
		}
		y.udp = pc
		y.wg.Add(1)
		go y.readUDP()
	}
	go y.flusher(cfg.Flush)
	return y, nil
}

// TCPAddr and UDPAddr tell where the receivers listen (":0" picks a port).
func (y *Syslog) TCPAddr() string { return addrOf(y.tcp) }
func (y *Syslog) UDPAddr() string {
	if y.udp == nil {
		return ""
	}
	return y.udp.LocalAddr().String()
}

func addrOf(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

func (y *Syslog) flusher(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-y.stop:
			return
		case <-t.C:
			if err := y.g.Flush(context.Background()); err != nil {
				y.g.s.Log.Error("syslog: lines not stored yet; retrying", "error", err.Error())
			}
		}
	}
}

// Close stops accepting, reads what open connections have sent (for up to
// a second), and stores it all (Flush) before returning.
func (y *Syslog) Close(ctx context.Context) error {
	y.stopped.Do(func() {
		close(y.stop)
		if y.tcp != nil {
			y.tcp.Close()
		}
		if y.udp != nil {
			y.udp.Close()
		}
		// what senders already wrote is read; an idle or endless sender is
		// cut a second later.
		y.mu.Lock()
		for c := range y.conns {
			c.SetReadDeadline(time.Now().Add(time.Second))
		}
		y.mu.Unlock()
	})
	y.wg.Wait()
	return y.g.Flush(ctx)
}

func (y *Syslog) acceptTCP() {
	defer y.wg.Done()
	for {
		c, err := y.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			y.g.s.Log.Warn("syslog accept", "error", err.Error())
			time.Sleep(50 * time.Millisecond)
			continue
		}
		y.mu.Lock()
		y.conns[c] = struct{}{}
		y.mu.Unlock()
		y.wg.Add(1)
		go func() {
			defer y.wg.Done()
			defer func() { y.mu.Lock(); delete(y.conns, c); y.mu.Unlock(); c.Close() }()
			y.readStream(c)
		}()
	}
}

// readStream reads one TCP connection: octet-counted frames (RFC 6587
// 3.4.1, RFC 5425: "LEN SP MSG") or, when a frame starts with '<',
// newline-terminated messages (3.4.2); a client may mix them.
func (y *Syslog) readStream(c net.Conn) {
	br := bufio.NewReaderSize(c, 64<<10)
	for {
		b, err := br.Peek(1)
		if err != nil {
			return
		}
		var msg []byte
		if b[0] >= '1' && b[0] <= '9' {
			lenStr, err := br.ReadString(' ')
			if err != nil {
				return
			}
			n, err := strconv.Atoi(lenStr[:len(lenStr)-1])
			if err != nil || n <= 0 || n > MaxSyslogMessage {
				y.g.Unparsable()
				return // framing lost: the stream cannot be resynchronised
			}
			msg = make([]byte, n)
			if _, err := io.ReadFull(br, msg); err != nil {
				return
			}
		} else {
			line, err := br.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) {
				y.g.Unparsable()
				for errors.Is(err, bufio.ErrBufferFull) { // skip the rest of an over-long line
					_, err = br.ReadSlice('\n')
				}
				continue
			}
			if len(line) == 0 && err != nil {
				return
			}
			msg = line
		}
		y.one(msg)
	}
}

func (y *Syslog) one(msg []byte) {
	if len(msg) == 0 || (len(msg) == 1 && msg[0] == '\n') {
		return
	}
	l, err := ParseSyslog(msg)
	if err != nil {
		y.g.Unparsable()
		return
	}
	y.g.Add(l, y.g.s.Now().UTC())
}

func (y *Syslog) readUDP() {
	defer y.wg.Done()
	buf := make([]byte, MaxSyslogMessage)
	for {
		n, _, err := y.udp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		y.one(buf[:n])
	}
}

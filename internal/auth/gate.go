package auth

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"tenderdesk/internal/apperr"
)

// Gate bounds how many argon2id computations run at once. Each takes the
// hash's memory cost (64 MiB at HashCost) for its whole duration, so
// unbounded concurrent logins exhaust the machine's memory (issue 9.1).
// A computation that finds no free slot within Wait is refused with a 429.
type Gate struct {
	slots chan struct{}
	// Wait is how long a computation waits for a slot before the 429.
	Wait time.Duration

	mu       sync.Mutex
	inflight int
	idle     *time.Timer
}

// DefaultHashMemory is the memory all concurrent password checks may use
// together when the setting does not say otherwise.
const DefaultHashMemory = 128 << 20

// GateSlots is how many hashes of cost c fit in budget bytes, never more
// than two per processor (more would only queue on the CPU) and at least one.
func GateSlots(budget int64, c Cost) int {
	per := int64(c.MemoryKiB) << 10
	n := 2 * runtime.GOMAXPROCS(0)
	if per > 0 && budget/per < int64(n) {
		n = int(budget / per)
	}
	return max(n, 1)
}

// NewGate returns a gate with n slots.
func NewGate(n int) *Gate {
	return &Gate{slots: make(chan struct{}, max(n, 1)), Wait: 2 * time.Second}
}

// Slots is the gate's capacity.
func (g *Gate) Slots() int { return cap(g.slots) }

// Do runs fn in a slot, or refuses with 429 + Retry-After when none frees
// up within Wait.
func (g *Gate) Do(ctx context.Context, fn func()) error {
	t := time.NewTimer(g.Wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-t.C:
		return apperr.Throttled(time.Second, "too many sign-ins at once; retry in a second")
	case <-ctx.Done():
		return apperr.Throttled(time.Second, "request ended while waiting for a password check")
	}
	g.enter()
	defer g.leave()
	fn()
	return nil
}

func (g *Gate) enter() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight++
	if g.idle != nil {
		g.idle.Stop()
	}
}

// leave frees the slot. The hash's memory is garbage now: collect it
// before the slot is free, so the next hash reuses it instead of a third
// block joining the two (the heap may otherwise grow to twice the live set,
// GOGC), and when the burst is over give it back to the OS, so a burst does
// not leave the process at its peak size.
func (g *Gate) leave() {
	runtime.GC()
	<-g.slots
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.inflight == 0 {
		if g.idle == nil {
			g.idle = time.AfterFunc(200*time.Millisecond, g.release)
		} else {
			g.idle.Reset(200 * time.Millisecond)
		}
	}
}

func (g *Gate) release() {
	g.mu.Lock()
	busy := g.inflight > 0
	g.mu.Unlock()
	if !busy {
		debug.FreeOSMemory()
	}
}

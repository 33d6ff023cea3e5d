package leader

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/discovery/kv"
)

// Key is where the lock lives under the discovery URL's path.
const Key = "docker/swarm/leader"

// Lock is the lock the election runs on; kv.Store implements it.
type Lock interface {
	TryLock(ctx context.Context, key string, value []byte, ttl time.Duration) (held bool, holder []byte, err error)
	Unlock(ctx context.Context, key string) error
}

// Cluster is what the election drives; *cluster.Cluster implements it.
type Cluster interface {
	// LeadUntil makes the manager primary until deadline.
	LeadUntil(deadline time.Time, term uint64)
	// SetLeading(false) makes it a replica at once.
	SetLeading(leading bool)
	// Leading reports whether the deadline has not passed.
	Leading() bool
	// LeaderEvent publishes leader_elected / leader_lost.
	LeaderEvent(action, addr string, term uint64)
	// Elected runs once each time this manager becomes the primary.
	Elected(ctx context.Context)
}

// Config configures an Election.
type Config struct {
	Key  string        // the lock's key: kv.Join(path, Key)
	Addr string        // this manager's advertise address, the lock's value
	TTL  time.Duration // the lock's TTL (--replication-ttl)
}

// Election runs for the primary lock and follows who holds it.
type Election struct {
	cfg     Config
	lock    Lock
	cluster Cluster
	step    time.Duration // time between two TryLocks
	lease   time.Duration // how long after a renewal began the manager leads

	leading atomic.Bool            // this manager holds the lock (as of the last step)
	primary atomic.Pointer[string] // the holder's address ("" unknown)
	term    uint64                 // owned by Run

	wg sync.WaitGroup // Elected runs
}

// New returns an election for cfg; the cluster is made a replica until
// the election is won.
func New(cfg Config, lock Lock, c Cluster) *Election {
	step := cfg.TTL / 10
	if step < 100*time.Millisecond {
		step = 100 * time.Millisecond
	}
	e := &Election{cfg: cfg, lock: lock, cluster: c, step: step, lease: kv.LockGuarantee(cfg.TTL) - step}
	empty := ""
	e.primary.Store(&empty)
	c.SetLeading(false)
	return e
}

// Primary reports whether this manager is the primary now (it holds the
// lock and its lease has not run out), and the primary's address as last
// read from the store ("" when unknown).
func (e *Election) Primary() (self bool, addr string) {
	p := *e.primary.Load()
	if e.leading.Load() {
		if e.cluster.Leading() {
			return true, p
		}
		return false, "" // fenced: this manager must not forward to itself
	}
	return false, p
}

// Run takes part in the election until ctx ends, then releases the lock
// if it holds it.
func (e *Election) Run(ctx context.Context) {
	t := time.NewTicker(e.step)
	defer t.Stop()
	for {
		e.once(ctx)
		select {
		case <-ctx.Done():
			e.resign()
			e.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// once is one step of the election.
func (e *Election) once(ctx context.Context) {
	if e.leading.Load() && !e.cluster.Leading() {
		e.lose("the primary lock could not be renewed in time: fenced")
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, e.lease/2)
	held, holder, err := e.lock.TryLock(cctx, e.cfg.Key, []byte(e.cfg.Addr), e.cfg.TTL)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			log.WithError(err).WithField("key", e.cfg.Key).Warn("leader election: cannot reach the store")
		}
		return
	}
	if held {
		if e.leading.Load() {
			e.cluster.LeadUntil(start.Add(e.lease), e.term)
			return
		}
		e.win(ctx, start)
		return
	}
	if e.leading.Load() {
		e.lose("another manager holds the primary lock")
	}
	e.setPrimary(string(holder))
}

// win makes this manager the primary: the log line and the event come
// before the first placement the new term allows.
func (e *Election) win(ctx context.Context, renewed time.Time) {
	e.term++
	log.WithFields(log.Fields{"addr": e.cfg.Addr, "term": e.term, "ttl": e.cfg.TTL, "at": stamp()}).Info("leader election: this manager is now the primary")
	e.cluster.LeaderEvent("leader_elected", e.cfg.Addr, e.term)
	e.setPrimary(e.cfg.Addr)
	e.cluster.LeadUntil(renewed.Add(e.lease), e.term)
	e.leading.Store(true)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.cluster.Elected(ctx)
	}()
}

// lose makes this manager a replica.
func (e *Election) lose(why string) {
	e.cluster.SetLeading(false)
	e.leading.Store(false)
	e.setPrimary("")
	log.WithFields(log.Fields{"addr": e.cfg.Addr, "term": e.term, "at": stamp()}).Warn("leader election: this manager is no longer the primary: " + why)
	e.cluster.LeaderEvent("leader_lost", e.cfg.Addr, e.term)
}

func (e *Election) setPrimary(addr string) {
	if old := *e.primary.Load(); old != addr {
		e.primary.Store(&addr)
		if addr != "" && addr != e.cfg.Addr {
			log.WithField("primary", addr).Info("leader election: following the primary")
		}
	}
}

// resign releases the lock on shutdown so that a replica takes over at
// once instead of after the TTL.
func (e *Election) resign() {
	if !e.leading.Load() {
		return
	}
	e.lose("this manager is stopping")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := e.lock.Unlock(ctx, e.cfg.Key); err != nil {
		log.WithError(err).Warn("leader election: cannot release the primary lock; it lapses after its TTL")
	}
}

// stamp is the time with nanoseconds for the election's log lines, which
// test/ha orders against the placement lines of other managers.
func stamp() string { return time.Now().UTC().Format(time.RFC3339Nano) }

package cluster

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/events"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file is the cluster's side of manager replication (--replication):
// only the primary places containers and moves them. A single manager is
// always the primary. The election itself runs in cluster/leader, which
// calls LeadUntil on each renewal of the lock and SetLeading(false) when it
// loses it.

// leadership is whether, and until when, this manager may place. It is
// read on every placement, so it is two atomics and a clock read.
type leadership struct {
	// until is the monotonic instant, in nanoseconds since monoBase, up to
	// which this manager may place: 0 is always (a single manager), -1
	// never (a replica).
	until atomic.Int64
	// term counts the times this manager became the primary; placement
	// logs carry it.
	term atomic.Uint64
}

// monoBase is the origin of leadership.until; time.Since(monoBase) reads
// the monotonic clock, which a wall clock change does not move.
var monoBase = time.Now()

// SetLeading tells the cluster whether this manager is the primary with no
// lock to renew (true), or a replica (false). A replica, or a primary that
// could not renew its lock (fenced), places nothing and moves nothing.
func (c *Cluster) SetLeading(leading bool) {
	if leading {
		c.lead.until.Store(0)
		return
	}
	c.lead.until.Store(-1)
}

// LeadUntil makes this manager the primary until deadline, a time taken
// from time.Now (monotonic): past it, Leading is false until the lock is
// renewed and LeadUntil called again. term is the election term.
func (c *Cluster) LeadUntil(deadline time.Time, term uint64) {
	c.lead.term.Store(term)
	d := int64(deadline.Sub(monoBase))
	if d <= 0 {
		d = -1
	}
	c.lead.until.Store(d)
}

// Leading reports whether this manager may place and move containers.
func (c *Cluster) Leading() bool {
	u := c.lead.until.Load()
	return u == 0 || (u > 0 && int64(time.Since(monoBase)) < u)
}

// LeaderTerm is the current election term (0 for a single manager).
func (c *Cluster) LeaderTerm() uint64 { return c.lead.term.Load() }

// LeaderEvent publishes a manager event about the election (Type
// "swarm", action leader_elected or leader_lost) and logs it.
func (c *Cluster) LeaderEvent(action, addr string, term uint64) {
	now := time.Now()
	attrs := map[string]string{"addr": addr, "term": strconv.FormatUint(term, 10)}
	c.broker.Publish(Event{Message: events.Message{
		Type:     engine.ManagerEventType,
		Action:   events.Action(action),
		Status:   action,
		ID:       addr,
		From:     "swarm",
		Scope:    "swarm",
		Time:     now.Unix(),
		TimeNano: now.UnixNano(),
		Actor:    events.Actor{ID: addr, Attributes: attrs},
	}})
}

// checkLeading refuses a placement on a manager that is not the primary
// (or no longer is), and logs the placements it lets through with the term
// so that the logs show which primary placed what.
func (c *Cluster) checkLeading(what string) error {
	if !c.Leading() {
		return Errorf(ErrUnavailable, "this manager is not the primary (or lost the primary lock): it does not place containers")
	}
	if t := c.lead.term.Load(); t > 0 {
		log.WithFields(log.Fields{"term": t, "what": what, "at": time.Now().UTC().Format(time.RFC3339Nano)}).Info("placing as primary")
	}
	return nil
}

// Elected runs each time this manager becomes the primary: it reads the
// node records again (a replica may hold ones the old primary changed
// since), then takes over the reschedule duties (TakeOver).
func (c *Cluster) Elected(ctx context.Context) {
	c.ReloadNodes(ctx)
	c.TakeOver(ctx)
}

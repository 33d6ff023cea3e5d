package simengine

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/events"
)

// historySize is how many events `since` can replay.
const historySize = 4096

// subscriberBuffer is how many events a slow /events reader may lag behind
// before its stream is cut (it then reconnects with `since`).
const subscriberBuffer = 4096

// subscriber is one open /events stream.
type subscriber struct {
	ch       chan events.Message
	dead     chan struct{} // closed when the stream must be cut
	killOnce sync.Once
}

func (s *subscriber) cut() { s.killOnce.Do(func() { close(s.dead) }) }

// Emit publishes an event as the engine would: Time and TimeNano are set
// when zero.
func (e *Engine) Emit(m events.Message) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.publishLocked(m)
}

// EventSubscribers is the number of /events streams open now.
func (e *Engine) EventSubscribers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.subs)
}

// emitLocked builds and publishes an event. The caller holds mu.
func (e *Engine) emitLocked(typ events.Type, action events.Action, id string, attrs map[string]string) {
	cp := make(map[string]string, len(attrs))
	for k, v := range attrs {
		cp[k] = v
	}
	m := events.Message{
		Type:   typ,
		Action: action,
		Actor:  events.Actor{ID: id, Attributes: cp},
		Scope:  "local",
	}
	if typ == events.ContainerEventType {
		m.ID = id
		m.Status = string(action)
		m.From = cp["image"]
	}
	e.publishLocked(m)
}

// publishLocked appends m to the history and hands it to every stream; a
// stream whose buffer is full is cut. The caller holds mu.
func (e *Engine) publishLocked(m events.Message) {
	if m.TimeNano == 0 {
		now := time.Now()
		m.Time, m.TimeNano = now.Unix(), now.UnixNano()
	}
	if len(e.history) >= historySize {
		e.history = append(e.history[:0:0], e.history[len(e.history)-historySize/2:]...)
	}
	e.history = append(e.history, m)
	for s := range e.subs {
		select {
		case s.ch <- m:
		default:
			delete(e.subs, s)
			s.cut()
		}
	}
}

// parseEventTime reads the `since`/`until` forms the Docker client sends:
// "seconds[.nanoseconds]" or RFC 3339.
func parseEventTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	sec, frac, _ := strings.Cut(v, ".")
	if s, err := strconv.ParseInt(sec, 10, 64); err == nil {
		var ns int64
		if frac != "" {
			frac = (frac + "000000000")[:9]
			ns, _ = strconv.ParseInt(frac, 10, 64)
		}
		return time.Unix(s, ns), true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// serveEvents streams events: the history since `since`, then live ones
// until `until`, the client leaves, the engine stops or the stream is cut.
func (e *Engine) serveEvents(w http.ResponseWriter, r *http.Request, down <-chan struct{}) {
	q := r.URL.Query()
	since, hasSince := parseEventTime(q.Get("since"))
	until, hasUntil := parseEventTime(q.Get("until"))
	sub := &subscriber{ch: make(chan events.Message, subscriberBuffer), dead: make(chan struct{})}

	e.mu.Lock()
	var past []events.Message
	if hasSince {
		for _, m := range e.history {
			if m.TimeNano >= since.UnixNano() {
				past = append(past, m)
			}
		}
	}
	e.subs[sub] = struct{}{}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.subs, sub)
		e.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	enc := json.NewEncoder(w)
	send := func(m events.Message) bool {
		if hasUntil && m.TimeNano > until.UnixNano() {
			return false
		}
		if err := enc.Encode(m); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	for _, m := range past {
		if !send(m) {
			return
		}
	}
	var deadline <-chan time.Time
	if hasUntil {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		deadline = t.C
	}
	for {
		select {
		case m := <-sub.ch:
			if !send(m) {
				return
			}
		case <-sub.dead:
			// Cut the connection without ending the chunked body, as a
			// daemon that went away would.
			panic(http.ErrAbortHandler)
		case <-down:
			panic(http.ErrAbortHandler)
		case <-deadline:
			return
		case <-r.Context().Done():
			return
		}
	}
}

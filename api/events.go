package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/filters"

	"github.com/swarm-project/swarm/cluster/engine"
)

// eventFilters are the `filters` keys GET /events accepts.
var eventFilters = map[string]bool{
	"type": true, "event": true, "container": true, "image": true, "label": true,
	"node": true, "network": true, "volume": true, "daemon": true, "scope": true,
}

// events streams every engine's events, tagged with their node, replaying
// the bounded history for `since` and stopping at `until`.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	args, err := filters.FromJSON(q.Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if err := args.Validate(eventFilters); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	now := time.Now()
	since, err := parseEventTime(q.Get("since"), now)
	if err != nil {
		return err
	}
	until, err := parseEventTime(q.Get("until"), now)
	if err != nil {
		return err
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		return errorf(http.StatusBadRequest, "`since` time must be before `until`")
	}

	client := s.clientVersion(r)
	past, live, cancel := s.feed.Subscribe(4096)
	defer cancel()
	ended := make(chan struct{})
	var endOnce sync.Once
	defer s.streams.add(func() { endOnce.Do(func() { close(ended) }) })()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	flush()
	enc := json.NewEncoder(w)
	send := func(ev engine.Event) error {
		t := time.Unix(0, ev.TimeNano)
		if ev.TimeNano == 0 {
			t = time.Unix(ev.Time, 0)
		}
		if (!since.IsZero() && t.Before(since)) || (!until.IsZero() && t.After(until)) || !matchEvent(args, ev) {
			return nil
		}
		out := displayEvent(ev)
		if newerThanTypes(client) {
			// API 1.52 dropped the fields deprecated since 1.22.
			out.Status, out.ID, out.From = "", "", ""
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
		flush()
		return nil
	}
	// Docker replays its history when either bound is given.
	if !since.IsZero() || !until.IsZero() {
		for _, ev := range past {
			if err := send(ev); err != nil {
				return nil
			}
		}
	}
	var stop <-chan time.Time
	if !until.IsZero() {
		if !until.After(now) {
			return nil
		}
		timer := time.NewTimer(until.Sub(now))
		defer timer.Stop()
		stop = timer.C
	}
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-stop:
			return nil
		case <-ended:
			return nil
		case ev, ok := <-live:
			if !ok {
				return nil
			}
			if err := send(ev); err != nil {
				return nil
			}
		}
	}
}

// parseEventTime reads Docker's time forms: Unix seconds with an optional
// fraction ("1700000000.123456789"), or RFC 3339.
func parseEventTime(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if sec, frac, ok := strings.Cut(v, "."); ok || isDigits(sec) {
		s, err := strconv.ParseInt(sec, 10, 64)
		if err == nil {
			var ns int64
			if ok && frac != "" {
				frac = (frac + "000000000")[:9]
				if ns, err = strconv.ParseInt(frac, 10, 64); err != nil {
					return time.Time{}, errorf(http.StatusBadRequest, fmt.Sprintf("invalid time %q", v))
				}
			}
			return time.Unix(s, ns), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, errorf(http.StatusBadRequest, fmt.Sprintf("invalid time %q: use Unix seconds or RFC 3339", v))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// matchEvent applies the `filters` of an events call.
func matchEvent(args filters.Args, ev engine.Event) bool {
	attrs := ev.Actor.Attributes
	typ := string(ev.Type)
	if args.Contains("type") && !args.ExactMatch("type", typ) {
		return false
	}
	if args.Contains("event") && !args.ExactMatch("event", string(ev.Action)) && !args.ExactMatch("event", ev.Status) {
		// "health_status: healthy" matches "health_status"
		action, _, _ := strings.Cut(string(ev.Action), ":")
		if !args.ExactMatch("event", action) {
			return false
		}
	}
	if args.Contains("container") {
		if typ != "container" || !(matchAny(args.Get("container"), ev.Actor.ID, attrs["name"]) || anyPrefix(args.Get("container"), ev.Actor.ID)) {
			return false
		}
	}
	if args.Contains("image") {
		img := attrs["image"]
		if typ == "image" {
			img = ev.Actor.ID
		}
		ok := false
		for _, ref := range args.Get("image") {
			if img == ref || engine.NormalizeImageRef(img) == engine.NormalizeImageRef(ref) || attrs["name"] == ref {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if args.Contains("label") && !args.MatchKVList("label", attrs) {
		return false
	}
	if args.Contains("node") {
		if ev.Node == nil || !matchAny(args.Get("node"), ev.Node.Name, ev.Node.ID, ev.Node.Addr) {
			return false
		}
	}
	if args.Contains("network") && (typ != "network" || !matchAny(args.Get("network"), ev.Actor.ID, attrs["name"])) {
		return false
	}
	if args.Contains("volume") && (typ != "volume" || !matchAny(args.Get("volume"), ev.Actor.ID)) {
		return false
	}
	if args.Contains("scope") && !args.ExactMatch("scope", ev.Scope) {
		return false
	}
	if args.Contains("daemon") && (typ != "daemon" || !matchAny(args.Get("daemon"), ev.Actor.ID, attrs["name"])) {
		return false
	}
	return true
}

// displayEvent fills in what the docker CLI shows. Every event that came
// through a node carries the node in its attributes, as classic Swarm put
// it there (node.name, node.id, node.addr, node.ip), since the CLI decodes
// into its own type and drops the top-level `node` object.
//
// The manager's own events (type "swarm": engine_connect when a node joined
// or was first reached, engine_disconnect when it turned unhealthy or left,
// engine_reconnect when it came back, engine_remove when it left) also get
// an actor: the node, named by its ID, or by its address before it was ever
// reached, with its name and address as plain attributes too, so that
// `docker events` prints "swarm engine_connect <id> (addr=..., name=node-1,
// node.addr=..., ...)".
func displayEvent(ev engine.Event) engine.Event {
	if ev.Node == nil && ev.Type != engine.ManagerEventType {
		return ev
	}
	attrs := make(map[string]string, len(ev.Actor.Attributes)+6)
	for k, v := range ev.Actor.Attributes {
		attrs[k] = v
	}
	if n := ev.Node; n != nil {
		setAttr(attrs, "node.name", n.Name)
		setAttr(attrs, "node.id", n.ID)
		setAttr(attrs, "node.addr", n.Addr)
		setAttr(attrs, "node.ip", n.IP)
	}
	ev.Actor.Attributes = attrs
	if ev.Type != engine.ManagerEventType {
		return ev
	}
	if ev.Node != nil {
		if attrs["name"] == "" {
			attrs["name"] = ev.Node.Name
		}
		if attrs["addr"] == "" {
			attrs["addr"] = ev.Node.Addr
		}
	}
	if ev.Actor.ID == "" {
		ev.Actor.ID = attrs["addr"]
	}
	if ev.ID == "" {
		ev.ID = ev.Actor.ID
	}
	if ev.Status == "" {
		ev.Status = string(ev.Action)
	}
	return ev
}

// setAttr sets attrs[k] to v unless the event set it already or v is empty.
func setAttr(attrs map[string]string, k, v string) {
	if attrs[k] == "" && v != "" {
		attrs[k] = v
	}
}

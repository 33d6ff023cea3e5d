package apitest

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// eventsBetween runs `docker events --since --until` with the given
// filters and returns its lines ("type action name").
func eventsBetween(t *testing.T, since, until time.Time, args ...string) []string {
	t.Helper()
	full := []string{"events", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"}
	if !since.IsZero() {
		full = append(full, "--since", fmt.Sprint(since.Unix()))
	}
	full = append(full, "--until", fmt.Sprintf("%d.%09d", until.Unix(), until.Nanosecond()))
	full = append(full, args...)
	return lines(docker(t, full...))
}

func TestEventsHistoryAndFilters(t *testing.T) {
	n1 := engines[0]
	since := time.Now().Add(-time.Second)
	t.Cleanup(func() { _, _, _ = harnessDocker("rm", "-f", "ev-a") })
	docker(t, "run", "--name", "ev-a", "--label", "evl=1", "-e", "constraint:node=="+n1.Name, "busybox", "true")

	// The engines' events reach the manager asynchronously: wait for die.
	var got []string
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		got = eventsBetween(t, since, time.Now(), "--filter", "container=ev-a")
		return strings.Contains(strings.Join(got, "\n"), "container die ev-a"), nil
	})
	if err != nil {
		t.Fatalf("events of ev-a: %q", got)
	}
	until := time.Now()
	for _, want := range []string{"container create ev-a", "container start ev-a", "container die ev-a"} {
		if !contains(got, want) {
			t.Errorf("events lack %q: %q", want, got)
		}
	}

	cases := []struct {
		name    string
		filters []string
		want    func(lines []string) bool
	}{
		{"event", []string{"--filter", "container=ev-a", "--filter", "event=start"},
			func(l []string) bool { return len(l) == 1 && l[0] == "container start ev-a" }},
		{"type", []string{"--filter", "container=ev-a", "--filter", "type=network"},
			func(l []string) bool { return len(l) == 0 }},
		{"label match", []string{"--filter", "label=evl=1", "--filter", "event=create"},
			func(l []string) bool { return len(l) == 1 && l[0] == "container create ev-a" }},
		{"label miss", []string{"--filter", "label=evl=2"},
			func(l []string) bool { return len(l) == 0 }},
		{"image", []string{"--filter", "image=busybox", "--filter", "container=ev-a", "--filter", "event=create"},
			func(l []string) bool { return len(l) == 1 }},
		{"node match", []string{"--filter", "node=" + n1.Name, "--filter", "container=ev-a", "--filter", "event=die"},
			func(l []string) bool { return len(l) == 1 }},
		{"node miss", []string{"--filter", "node=" + engines[1].Name, "--filter", "container=ev-a"},
			func(l []string) bool { return len(l) == 0 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := eventsBetween(t, since, until, tc.filters...)
			if !tc.want(l) {
				t.Errorf("docker events %v: %q", tc.filters, l)
			}
		})
	}

	// --until alone replays the history up to that time.
	l := eventsBetween(t, time.Time{}, until, "--filter", "container=ev-a", "--filter", "event=create")
	if len(l) != 1 {
		t.Errorf("docker events --until only: %q", l)
	}
	// The manager's own events: every node joined when the manager started.
	l = eventsBetween(t, time.Unix(1, 0), until, "--filter", "type=swarm", "--filter", "event=engine_connect")
	for _, e := range engines {
		if !contains(l, "swarm engine_connect "+e.Name) {
			t.Errorf("no engine_connect event for %s: %q", e.Name, l)
		}
	}
	if code, body, _ := api("GET", "/events?filters=%7B%22bogus%22%3A%7B%22x%22%3Atrue%7D%7D", nil); code != 400 {
		t.Errorf("events with an unknown filter: %d %s, want 400", code, body)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// streamEvents starts a live `docker events` and returns its lines as they
// come.
func streamEvents(t *testing.T, args ...string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	full := append([]string{"-H", "tcp://" + manager.Addr, "events", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"}, args...)
	cmd := exec.CommandContext(ctx, "docker", full...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		<-done
	})
	return ch
}

// waitLine waits for a line equal to want.
func waitLine(t *testing.T, ch <-chan string, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var seen []string
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("event stream ended before %q; saw %q", want, seen)
			}
			if l == want {
				return
			}
			seen = append(seen, l)
		case <-deadline.C:
			t.Fatalf("no %q event within %v; saw %q", want, timeout, seen)
		}
	}
}

func TestEventsLive(t *testing.T) {
	ch := streamEvents(t, "--filter", "type=network", "--filter", "event=create")
	// Give the stream a moment to be subscribed: retry the trigger until
	// the event shows, each time with a new network.
	var name string
	for i := 0; ; i++ {
		name = fmt.Sprintf("evl-net-%d", i)
		docker(t, "network", "create", engines[1].Name+"/"+name)
		t.Cleanup(func() { _, _, _ = harnessDocker("network", "rm", engines[1].Name+"/"+name) })
		select {
		case l := <-ch:
			if !strings.HasPrefix(l, "network create evl-net-") {
				t.Fatalf("live event: %q, want network create evl-net-N", l)
			}
			return
		case <-time.After(5 * time.Second):
			if i == 5 {
				t.Fatalf("no live network create event")
			}
		}
	}
}

package discovery_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/discoverytest"
)

// writeFile replaces path's content atomically, as an editor would.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestFileConformance(t *testing.T) {
	discoverytest.Run(t, func(t *testing.T) discoverytest.Fixture {
		path := filepath.Join(t.TempDir(), "cluster")
		writeFile(t, path, "# empty cluster\n")
		b, err := discovery.New("file://"+path, discovery.Options{Heartbeat: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return discoverytest.Fixture{
			Backend: b,
			Set: func(t *testing.T, addrs ...string) {
				writeFile(t, path, "# written by the test\n"+strings.Join(addrs, "\n")+"\n")
			},
		}
	})
}

func TestParseEntriesFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
		wantErr error
		say     string
	}{
		{name: "empty", content: "", want: ""},
		{name: "comments and blanks", content: "# c\n\n  \na:1 # trailing\n\tb:2\n", want: "a:1 b:2"},
		{name: "ranges", content: "10.0.0.[1:2]:2375\nnode-[1:2]:2375\n", want: "10.0.0.1:2375 10.0.0.2:2375 node-1:2375 node-2:2375"},
		{name: "duplicates", content: "a:1\na:1\n", want: "a:1"},
		{name: "crlf", content: "a:1\r\nb:2\r\n", want: "a:1 b:2"},
		{name: "missing port names the line", content: "a:1\nb\n", wantErr: discovery.ErrInvalidEntry, say: "cluster:2:"},
		{name: "bad range names the line", content: "\n\n10.0.0.[3:1]:1\n", wantErr: discovery.ErrInvalidRange, say: "cluster:3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := discovery.ParseEntriesFile("cluster", []byte(tt.content))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.say) {
					t.Fatalf("got %v, %v; want %v mentioning %q", got, err, tt.wantErr, tt.say)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(got.Strings(), " "); s != tt.want {
				t.Fatalf("entries = %q, want %q", s, tt.want)
			}
		})
	}
}

// A file that is missing at first, then appears, then turns bad, then is
// fixed: errors are reported, the last good set stays, and snapshots follow.
func TestFileWatchRecovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster")
	b, err := discovery.New("file://"+path, discovery.Options{Heartbeat: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	entries, errs := b.Watch(ctx)

	// waitErr reads errors until one matches want (older ones may be
	// queued).
	waitErr := func(want error) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case err := <-errs:
				if errors.Is(err, want) {
					return
				}
			case <-deadline:
				t.Fatalf("no %v error reported", want)
			}
		}
	}
	waitEntries := func(want string) {
		t.Helper()
		select {
		case es := <-entries:
			if s := strings.Join(es.Strings(), " "); s != want {
				t.Fatalf("entries = %q, want %q", s, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no snapshot, want %q", want)
		}
	}

	waitErr(os.ErrNotExist)
	writeFile(t, path, "a:1\n")
	waitEntries("a:1")
	writeFile(t, path, "a:1\nbroken\n")
	waitErr(discovery.ErrInvalidEntry)
	writeFile(t, path, "a:1\nb:1\n")
	waitEntries("a:1 b:1")
}

package main

import (
	"bufio"
	"bytes"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseScaleFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    func(c *scaleConfig) // edits the defaults into the expected config
		wantErr bool
	}{
		{"defaults", nil, func(c *scaleConfig) {}, false},
		{"issue command", []string{"-engines", "1000,10000", "-containers", "30"},
			func(c *scaleConfig) { c.engines = []int{1000, 10000} }, false},
		{"small run", []string{"-engines", "100", "-idle", "5s", "-runs", "10", "-conc", "4", "-per-process", "50"},
			func(c *scaleConfig) {
				c.engines, c.idle, c.runN, c.conc, c.perProc = []int{100}, 5*time.Second, 10, 4, 50
			}, false},
		{"zero engines", []string{"-engines", "0"}, nil, true},
		{"not a list", []string{"-engines", "1000;2000"}, nil, true},
		{"zero runners", []string{"-conc", "0"}, nil, true},
		{"no idle window", []string{"-idle", "0s"}, nil, true},
		{"settle", []string{"-settle", "1m"}, func(c *scaleConfig) { c.settle = time.Minute }, false},
		{"negative settle", []string{"-settle", "-1s"}, nil, true},
		{"fleet nice", []string{"-fleet-nice", "19"}, func(c *scaleConfig) { c.fleetNice = 19 }, false},
		{"fleet nice too high", []string{"-fleet-nice", "20"}, nil, true},
		{"negative fleet nice", []string{"-fleet-nice", "-5"}, nil, true},
		{"stray argument", []string{"1000"}, nil, true},
		{"unknown flag", []string{"-nodes", "10"}, nil, true},
	}
	defaults, err := parseScaleFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(defaults.engines, []int{1000}) || defaults.containers != 30 || defaults.conc != 8 ||
		defaults.infoN != 200 || defaults.psN != 20 || defaults.runN != 100 || defaults.idle != 30*time.Second {
		t.Fatalf("defaults = %+v", defaults)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseScaleFlags(tt.args)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseScaleFlags(%q) = %+v, want an error", tt.args, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			want.engines = append([]int(nil), defaults.engines...)
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("parseScaleFlags(%q)\n got %+v\nwant %+v", tt.args, got, want)
			}
		})
	}
}

func TestParseCPUTicks(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    int64
		wantErr bool
	}{
		{"plain", "4242 (swarm) S 1 4242 4242 0 -1 4194560 1000 0 0 0 350 120 0 0 20 0 9 0 100 1 2 3", 470, false},
		{"name with spaces and parens", "7 (a b) c) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 1 1", 11, false},
		{"truncated", "7 (x) S 1 2 3", 0, true},
		{"no name", "7 x S 1", 0, true},
		{"not numbers", "7 (x) S 1 7 7 0 -1 0 0 0 0 0 u s 0 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUTicks(tt.stat)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseCPUTicks = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCPUPercent(t *testing.T) {
	tests := []struct {
		name  string
		ticks int64
		wall  time.Duration
		want  float64
	}{
		{"idle", 0, 30 * time.Second, 0},
		{"12% of a core", 360, 30 * time.Second, 12},
		{"two cores busy", 6000, 30 * time.Second, 200},
		{"empty window", 100, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cpuPercent(tt.ticks, tt.wall); got != tt.want {
				t.Fatalf("cpuPercent(%d, %s) = %v, want %v", tt.ticks, tt.wall, got, tt.want)
			}
		})
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\tswarm\nVmPeak:\t 2000000 kB\nVmHWM:\t  783360 kB\nVmRSS:\t  700000 kB\nThreads:\t9\n"
	got, err := parseStatusKB(status, "VmHWM")
	if err != nil || got != 783360<<10 {
		t.Fatalf("VmHWM = %d, %v", got, err)
	}
	if mib(got) != "765 MiB" {
		t.Fatalf("mib = %q", mib(got))
	}
	if _, err := parseStatusKB(status, "VmSwap"); err == nil {
		t.Fatal("missing key: no error")
	}
	if _, err := parseStatusKB(status, "Threads"); err == nil {
		t.Fatal("a line without kB: no error")
	}
	if s := mib(7782 << 20); s != "7782 MiB" {
		t.Fatalf("mib(7.6 GiB) = %q", s)
	}
	if s := mib(12 << 30); s != "12.0 GiB" {
		t.Fatalf("mib(12 GiB) = %q", s)
	}
}

func TestParseFleetLine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    fleetLine
		wantErr bool
	}{
		{"addr", "addr 127.0.0.1:41234\n", fleetLine{kind: "addr", addr: "127.0.0.1:41234"}, false},
		{"ready", "ready 4000", fleetLine{kind: "ready", n: 4000}, false},
		{"requests", "requests 0", fleetLine{kind: "requests", n: 0}, false},
		{"error", "error listen tcp: too many open files", fleetLine{kind: "error", error: "listen tcp: too many open files"}, false},
		{"addr without port", "addr 127.0.0.1", fleetLine{}, true},
		{"negative count", "ready -1", fleetLine{}, true},
		{"count not a number", "requests many", fleetLine{}, true},
		{"unknown", "hello", fleetLine{}, true},
		{"empty", "", fleetLine{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFleetLine(tt.line)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseFleetLine(%q) = %+v, %v; want %+v, error %v", tt.line, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestPlanFleet(t *testing.T) {
	tests := []struct {
		name       string
		n, perProc int
		want       [][2]int
	}{
		{"one child", 1000, 4000, [][2]int{{0, 1000}}},
		{"exact", 8000, 4000, [][2]int{{0, 4000}, {4000, 4000}}},
		{"ten thousand", 10000, 4000, [][2]int{{0, 4000}, {4000, 4000}, {8000, 2000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planFleet(tt.n, tt.perProc); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("planFleet(%d, %d) = %v, want %v", tt.n, tt.perProc, got, tt.want)
			}
		})
	}
}

// TestServeFleet runs the child's side of the protocol in process: three
// simulated engines, a requests command, and the end of stdin.
func TestServeFleet(t *testing.T) {
	inR, inW := io.Pipe()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- serveFleet(5, 3, 2, inR, &out) }()
	waitFor(t, func() bool { return strings.Contains(out.String(), "ready 3\n") })
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 3 addr lines and ready, got %q", lines)
	}
	for _, l := range lines[:3] {
		if fl, err := parseFleetLine(l); err != nil || fl.kind != "addr" {
			t.Fatalf("line %q: %+v, %v", l, fl, err)
		}
	}
	if _, err := io.WriteString(inW, "requests\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(out.String(), "requests 0\n") })
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serveFleet did not return when its input ended")
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReadAddrs(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    int
		wantErr string
	}{
		{"ready", "addr 127.0.0.1:1\naddr 127.0.0.1:2\nready 2\n", 2, ""},
		{"child error", "addr 127.0.0.1:1\nerror too many open files\n", 2, "too many open files"},
		{"short", "addr 127.0.0.1:1\nready 1\n", 2, "ready 1 with 1 addresses, want 2"},
		{"exited", "addr 127.0.0.1:1\n", 2, "exited before ready"},
		{"garbage", "panic: oops\n", 1, "unknown line"},
		{"answer before ready", "requests 3\n", 1, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fleetProc{lines: bufio.NewScanner(strings.NewReader(tt.out))}
			err := p.readAddrs(tt.want)
			if tt.wantErr == "" {
				if err != nil || len(p.addrs) != tt.want {
					t.Fatalf("readAddrs = %v, addresses %q", err, p.addrs)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("readAddrs = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestHealthPoll(t *testing.T) {
	for _, tt := range []struct {
		want int
		poll time.Duration
	}{
		{1, 250 * time.Millisecond},
		{1000, 250 * time.Millisecond},
		{2500, 250 * time.Millisecond},
		{10000, time.Second},
	} {
		if got := healthPoll(tt.want); got != tt.poll {
			t.Errorf("healthPoll(%d) = %v, want %v", tt.want, got, tt.poll)
		}
	}
}

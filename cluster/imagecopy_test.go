package cluster

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/swarm-project/swarm/cluster/engine"
)

// TestFanOut: every reader sees the whole stream; one that quits early
// does not stall the others.
func TestFanOut(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100000)
	readers, done := fanOut(bytes.NewReader(data), 3)
	var wg sync.WaitGroup
	got := make([][]byte, 3)
	for i, r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			if i == 1 {
				buf := make([]byte, 10)
				_, _ = io.ReadFull(r, buf)
				return // quits early
			}
			got[i], _ = io.ReadAll(r)
		}()
	}
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("copy error: %v", err)
	}
	for _, i := range []int{0, 2} {
		if !bytes.Equal(got[i], data) {
			t.Errorf("reader %d got %d bytes, want %d", i, len(got[i]), len(data))
		}
	}
}

func TestFanOutSourceError(t *testing.T) {
	boom := errors.New("boom")
	readers, done := fanOut(io.MultiReader(strings.NewReader("abc"), errReader{boom}), 2)
	// Readers are consumed concurrently, as the engines do.
	errs := make([]error, len(readers))
	var wg sync.WaitGroup
	for i, r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = io.ReadAll(r)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, boom) {
			t.Errorf("reader %d error %v, want boom", i, err)
		}
	}
	if err := <-done; !errors.Is(err, boom) {
		t.Errorf("done: %v, want boom", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestRelayEach(t *testing.T) {
	tests := []struct {
		name     string
		stream   string
		wantOut  string
		wantErr  string
		isStream bool // the error is the stream's own error message
	}{
		{name: "clean", stream: `{"stream":"Loaded image: a:1\n"}` + "\n", wantOut: `{"stream":"Loaded image: a:1\n"}` + "\n"},
		{name: "error message ends it", stream: `{"status":"x"}{"errorDetail":{"message":"bad tar"},"error":"bad tar"}{"status":"y"}`,
			wantOut: `{"status":"x"}` + "\n", wantErr: "bad tar", isStream: true},
		{name: "broken stream", stream: `{"status":`, wantErr: "unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			err := relayEach(strings.NewReader(tc.stream), func(m jsonmessage.JSONMessage) error { return encodeTo(&out, m) })
			var se *streamError
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) || errors.As(err, &se) != tc.isStream {
				t.Errorf("error %v, want %q (stream error %v)", err, tc.wantErr, tc.isStream)
			}
			if out.String() != tc.wantOut {
				t.Errorf("relayed %q, want %q", out.String(), tc.wantOut)
			}
		})
	}
}

func TestNodeResultsErr(t *testing.T) {
	a, b := engine.NewFixture(engine.Fixture{Addr: "a:1"}), engine.NewFixture(engine.Fixture{Addr: "b:1"})
	notFound := &NotFoundError{Kind: "image", Ref: "x"}
	tests := []struct {
		name    string
		res     NodeResults
		want    string // "" for nil
		wantErr error
	}{
		{name: "none", res: NodeResults{}},
		{name: "one succeeded", res: NodeResults{Nodes: []*Engine{a, b}, Errs: []error{notFound, nil}}},
		{name: "one node failed", res: NodeResults{Nodes: []*Engine{a}, Errs: []error{notFound}}, want: "No such image: x", wantErr: ErrNotFound},
		{name: "every node failed", res: NodeResults{Nodes: []*Engine{a, b}, Errs: []error{notFound, errors.New("boom")}},
			want: "a:1: No such image: x; b:1: boom", wantErr: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.res.Err()
			if tc.want == "" {
				if err != nil {
					t.Errorf("Err() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("Err() = %v, want %q (%v)", err, tc.want, tc.wantErr)
			}
		})
	}
}

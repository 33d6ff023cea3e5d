package cluster

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
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

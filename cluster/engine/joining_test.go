package engine

import (
	"context"
	"testing"
	"time"
)

func TestJoining(t *testing.T) {
	j := NewJoining()
	if !j.Wait(context.Background()) || j.Len() != 0 {
		t.Fatalf("a new count: Len %d, Wait should return at once", j.Len())
	}
	a, b := j.Join(), j.Join()
	a()
	a() // a second call does nothing
	if j.Len() != 1 {
		t.Fatalf("Len %d after two joins and one end (called twice), want 1", j.Len())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if j.Wait(ctx) {
		t.Fatal("Wait returned true while an engine joins")
	}
	waited := make(chan bool, 1)
	go func() { waited <- j.Wait(context.Background()) }()
	select {
	case <-waited:
		t.Fatal("Wait returned before the last engine joined")
	case <-time.After(20 * time.Millisecond):
	}
	b()
	select {
	case ok := <-waited:
		if !ok {
			t.Fatal("Wait returned false once no engine joins")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait still waits once no engine joins")
	}
	// Joining again after zero makes Wait wait again.
	c := j.Join()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if j.Wait(ctx2) {
		t.Fatal("Wait returned true after a new join")
	}
	c()
	if !j.Wait(context.Background()) {
		t.Fatal("Wait returned false at zero")
	}
}

func TestChangesQueueEachEngineOnce(t *testing.T) {
	ch := NewChanges()
	opts := &Options{Changes: ch}
	a, err := New("127.0.0.1:1", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("127.0.0.1:2", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.changed()
	a.changed()
	b.changed()
	if got := ch.Drain(nil); len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("drained %v, want a then b once each", got)
	}
	if got := ch.Drain(nil); len(got) != 0 {
		t.Fatalf("drained %v again, want nothing", got)
	}
	g := a.Generation()
	a.changed()
	if got := ch.Drain(nil); len(got) != 1 || got[0] != a || a.Generation() != g+1 {
		t.Fatalf("drained %v after a change following a drain, want a", got)
	}
}

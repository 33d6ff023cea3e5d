package discovery

import (
	"context"
	"fmt"
)

// nodes is the static list backend: "nodes://h1:p1,h2:p2", or the bare
// "h1:p1,h2:p2". Addresses may hold ranges (see ExpandRange).
type nodes struct {
	entries Entries
}

func newNodes(u *URL, _ Options) (Backend, error) {
	list := u.Hosts
	if u.Path != "" {
		return nil, fmt.Errorf("%w %q: the nodes backend takes no path (want nodes://h1:p1,h2:p2)", ErrInvalidURL, u.Raw)
	}
	if list == "" {
		return nil, fmt.Errorf("%w %q: no addresses (want nodes://h1:p1,h2:p2)", ErrInvalidURL, u.Raw)
	}
	es, err := ParseAddrList(list)
	if err != nil {
		return nil, err
	}
	return &nodes{entries: es}, nil
}

// Watch sends the list once and then nothing until ctx is done.
func (n *nodes) Watch(ctx context.Context) (<-chan Entries, <-chan error) {
	entries, errs := newWatchChans()
	entries <- append(Entries{}, n.entries...) // buffered: never blocks
	go func() {
		<-ctx.Done()
		close(entries)
		close(errs)
	}()
	return entries, errs
}

// readOnly marks the backend as read-only (see ReadOnly).
func (*nodes) readOnly() {}

// Register is not supported: the list is fixed.
func (n *nodes) Register(context.Context, string) error { return ErrNotSupported }

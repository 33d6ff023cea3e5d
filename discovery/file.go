package discovery

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
)

// file is the backend of "file:///path/to/file": one address (or range) per
// line, "#" starts a comment, blank lines are ignored. The file is read
// again every poll period (at most one second) and a snapshot is sent only
// when the set changed. A missing file or a bad line is reported on the
// error channel and the last good set stays.
type file struct {
	path string
	opts Options
}

func newFile(u *URL, opts Options) (Backend, error) {
	path := "/" + u.Path
	if u.Hosts != "" {
		// file://relative/path
		path = u.Hosts + path
		if u.Path == "" {
			path = u.Hosts
		}
	}
	if path == "/" {
		return nil, fmt.Errorf("%w %q: missing file path (want file:///path/to/file)", ErrInvalidURL, u.Raw)
	}
	return &file{path: path, opts: opts}, nil
}

// Watch polls the file. A file whose bytes did not change since the last
// read is not parsed again (a list of 10,000 engines is read every
// second).
func (f *file) Watch(ctx context.Context) (<-chan Entries, <-chan error) {
	var lastData []byte
	var last Entries
	return pollWatch(ctx, f.opts.pollPeriod(), func(context.Context) (Entries, error) {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("discovery file: %w", err)
		}
		if last != nil && bytes.Equal(data, lastData) {
			return last, nil
		}
		es, err := ParseEntriesFile(f.path, data)
		if err != nil {
			return nil, err
		}
		lastData, last = data, es
		return es, nil
	})
}

// readOnly marks the backend as read-only (see ReadOnly).
func (*file) readOnly() {}

// Register is not supported: edit the file instead.
func (f *file) Register(context.Context, string) error { return ErrNotSupported }

// ReadEntriesFile reads a discovery file (see the file backend).
func ReadEntriesFile(path string) (Entries, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("discovery file: %w", err)
	}
	return ParseEntriesFile(path, data)
}

// ParseEntriesFile parses the content of a discovery file; name is used in
// error messages.
func ParseEntriesFile(name string, data []byte) (Entries, error) {
	var out Entries
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		es, err := ParsePattern(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if out, err = appendBounded(out, es); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out.Normalize(), nil
}

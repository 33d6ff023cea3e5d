package discovery

import (
	"fmt"
	"sort"
	"strings"
)

// Factory builds a backend from a parsed discovery URL. u.Scheme is the
// registered name; for the bare "h1:p1,h2:p2" form New passes a nodes URL.
type Factory func(u *URL, opts Options) (Backend, error)

// URL is a discovery URL split the way every backend needs: classic Swarm
// URLs carry comma-separated host lists ("etcd://h1:p1,h2:p2/path") that
// net/url does not accept, so New splits them itself.
type URL struct {
	Scheme string // "consul", "file", ...
	Hosts  string // everything between "://" and the first "/" (may hold commas)
	Path   string // the rest, without the leading "/" ("" when absent)
	Raw    string // the URL as given
}

// Registration names one backend factory and the --discovery-opt keys it
// accepts.
type Registration struct {
	Scheme  string
	Factory Factory
	Options []string // accepted option keys; any other key is an error
}

// Registry maps URL schemes to backend factories.
type Registry struct {
	byScheme map[string]Registration
}

// NewRegistry builds a registry; a scheme registered twice is an error.
func NewRegistry(regs ...Registration) (*Registry, error) {
	r := &Registry{byScheme: make(map[string]Registration, len(regs))}
	for _, reg := range regs {
		if reg.Scheme == "" || reg.Factory == nil {
			return nil, fmt.Errorf("discovery: registration with empty scheme or nil factory")
		}
		if _, dup := r.byScheme[reg.Scheme]; dup {
			return nil, fmt.Errorf("discovery: scheme %q registered twice", reg.Scheme)
		}
		r.byScheme[reg.Scheme] = reg
	}
	return r, nil
}

// kvOptions are the options every key/value backend accepts.
var kvOptions = []string{"kv.cacertfile", "kv.certfile", "kv.keyfile", "kv.path"}

// builtin lists every backend of this package. It is the one place a new
// backend is added.
func builtin() []Registration {
	return []Registration{
		{Scheme: "nodes", Factory: newNodes},
		{Scheme: "file", Factory: newFile},
		{Scheme: "token", Factory: newToken, Options: []string{"token.url"}},
		{Scheme: "consul", Factory: newConsul, Options: kvOptions},
		{Scheme: "etcd", Factory: newEtcd, Options: kvOptions},
		{Scheme: "zk", Factory: newZK, Options: kvOptions},
	}
}

// DefaultRegistry returns a registry of every built-in backend.
func DefaultRegistry() (*Registry, error) { return NewRegistry(builtin()...) }

// Schemes returns the registered schemes, sorted.
func (r *Registry) Schemes() []string {
	out := make([]string, 0, len(r.byScheme))
	for s := range r.byScheme {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// New builds the backend for rawURL with the built-in registry.
func New(rawURL string, opts Options) (Backend, error) {
	r, err := DefaultRegistry()
	if err != nil {
		return nil, err
	}
	return r.New(rawURL, opts)
}

// New builds the backend for rawURL. A string with no scheme that looks
// like "h1:p1,h2:p2" is the nodes backend.
func (r *Registry) New(rawURL string, opts Options) (Backend, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	reg, ok := r.byScheme[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("%w %q in %q (valid: %s)", ErrUnknownScheme, u.Scheme, rawURL, strings.Join(r.Schemes(), ", "))
	}
	for k := range opts.Opts {
		if !contains(reg.Options, k) {
			valid := "none"
			if len(reg.Options) > 0 {
				valid = strings.Join(reg.Options, ", ")
			}
			return nil, fmt.Errorf("%w %q: not used by the %s backend (valid: %s)", ErrInvalidOption, k, u.Scheme, valid)
		}
	}
	return reg.Factory(u, opts)
}

// ParseURL splits a discovery URL. "h1:p1,h2:p2" (no scheme) is read as
// "nodes://h1:p1,h2:p2".
func ParseURL(raw string) (*URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, fmt.Errorf("%w: empty discovery URL", ErrInvalidURL)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		// Classic Swarm's bare form is a list of addresses.
		if strings.Contains(s, "/") {
			return nil, fmt.Errorf("%w %q: want scheme://... or h1:p1,h2:p2", ErrInvalidURL, raw)
		}
		return &URL{Scheme: "nodes", Hosts: s, Raw: raw}, nil
	}
	scheme = strings.ToLower(scheme)
	if scheme == "" {
		return nil, fmt.Errorf("%w %q: missing scheme", ErrInvalidURL, raw)
	}
	for _, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return nil, fmt.Errorf("%w %q: bad scheme %q", ErrInvalidURL, raw, scheme)
		}
	}
	hosts, path, _ := strings.Cut(rest, "/")
	return &URL{Scheme: scheme, Hosts: hosts, Path: path, Raw: raw}, nil
}

// option returns opts.Opts[key] or "".
func (o Options) option(key string) string { return o.Opts[key] }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

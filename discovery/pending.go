package discovery

import "fmt"

// Backends still being written; each moves to its own file.

func newToken(u *URL, _ Options) (Backend, error) {
	return nil, fmt.Errorf("discovery: %s backend not available yet", u.Scheme)
}

func newConsul(u *URL, _ Options) (Backend, error) {
	return nil, fmt.Errorf("discovery: %s backend not available yet", u.Scheme)
}

func newEtcd(u *URL, _ Options) (Backend, error) {
	return nil, fmt.Errorf("discovery: %s backend not available yet", u.Scheme)
}

func newZK(u *URL, _ Options) (Backend, error) {
	return nil, fmt.Errorf("discovery: %s backend not available yet", u.Scheme)
}

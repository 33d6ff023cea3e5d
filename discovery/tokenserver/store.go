package tokenserver

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrUnknownCluster is returned for a token that names no cluster.
var ErrUnknownCluster = errors.New("unknown cluster token")

// ErrDatabaseInUse is returned by Open when another process (a second
// token server) holds the database file's lock.
var ErrDatabaseInUse = errors.New("database is in use by another process")

// openTimeout is how long Open waits for the database file's lock.
const openTimeout = 2 * time.Second

// Layout: bucket "clusters" maps token -> creation time; each cluster has a
// nested bucket (same name as the token) in "members" mapping address ->
// expiry (unix nanoseconds, big endian).
var (
	bucketClusters = []byte("clusters")
	bucketMembers  = []byte("members")
)

// store is the on-disk state. bbolt serializes writers itself; store has
// no lock of its own.
type store struct {
	db  *bolt.DB
	now func() time.Time
}

func openStore(path string, now func() time.Time) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("token server: open %s: %w (its lock was not free within %s)", path, ErrDatabaseInUse, openTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("token server: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketClusters, bucketMembers} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("token server: init %s: %w", path, err)
	}
	return &store{db: db, now: now}, nil
}

func (s *store) close() error { return s.db.Close() }

// newToken makes a random 32-hex-digit token.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func encodeTime(t time.Time) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixNano()))
	return b[:]
}

func decodeTime(b []byte) time.Time {
	if len(b) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)))
}

// create makes a new cluster and returns its token.
func (s *store) create() (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketClusters).Put([]byte(token), encodeTime(s.now())); err != nil {
			return err
		}
		_, err := tx.Bucket(bucketMembers).CreateBucket([]byte(token))
		return err
	})
	return token, err
}

// register records addr in cluster token until now+ttl.
func (s *store) register(token, addr string, ttl time.Duration) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMembers).Bucket([]byte(token))
		if m == nil {
			return ErrUnknownCluster
		}
		return m.Put([]byte(addr), encodeTime(s.now().Add(ttl)))
	})
}

// unregister removes addr from cluster token.
func (s *store) unregister(token, addr string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMembers).Bucket([]byte(token))
		if m == nil {
			return ErrUnknownCluster
		}
		return m.Delete([]byte(addr))
	})
}

// list returns the live addresses of cluster token, sorted.
func (s *store) list(token string) ([]string, error) {
	now := s.now()
	out := []string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMembers).Bucket([]byte(token))
		if m == nil {
			return ErrUnknownCluster
		}
		return m.ForEach(func(k, v []byte) error {
			if decodeTime(v).After(now) {
				out = append(out, string(k))
			}
			return nil
		})
	})
	sort.Strings(out)
	return out, err
}

// remove deletes cluster token.
func (s *store) remove(token string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketClusters).Get([]byte(token)) == nil {
			return ErrUnknownCluster
		}
		if err := tx.Bucket(bucketClusters).Delete([]byte(token)); err != nil {
			return err
		}
		return tx.Bucket(bucketMembers).DeleteBucket([]byte(token))
	})
}

// sweep deletes expired registrations from disk and returns how many.
func (s *store) sweep() (int, error) {
	now := s.now()
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		members := tx.Bucket(bucketMembers)
		return members.ForEachBucket(func(token []byte) error {
			m := members.Bucket(token)
			var expired [][]byte
			err := m.ForEach(func(k, v []byte) error {
				if !decodeTime(v).After(now) {
					expired = append(expired, append([]byte(nil), k...))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range expired {
				if err := m.Delete(k); err != nil {
					return err
				}
				n++
			}
			return nil
		})
	})
	return n, err
}

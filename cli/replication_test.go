package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
)

func TestCheckReplication(t *testing.T) {
	tests := []struct {
		name      string
		o         manageOptions
		wantErr   error
		wantMatch string
	}{
		{name: "off", o: manageOptions{}},
		{name: "ok", o: manageOptions{replication: true, advertise: "127.0.0.1:4000", replicationTTL: 20 * time.Second}},
		{name: "hostname", o: manageOptions{replication: true, advertise: "manager-1:4000", replicationTTL: time.Second}},
		{name: "no advertise", o: manageOptions{replication: true, replicationTTL: time.Second}, wantErr: errReplicationAdvertise},
		{name: "no port", o: manageOptions{replication: true, advertise: "127.0.0.1", replicationTTL: time.Second}, wantErr: errAdvertiseFormat},
		{name: "port zero", o: manageOptions{replication: true, advertise: "127.0.0.1:0", replicationTTL: time.Second}, wantErr: errAdvertiseFormat},
		{name: "empty host", o: manageOptions{replication: true, advertise: ":4000", replicationTTL: time.Second}, wantErr: errAdvertiseFormat},
		{name: "url", o: manageOptions{replication: true, advertise: "tcp://1.2.3.4:4000", replicationTTL: time.Second}, wantErr: errAdvertiseFormat},
		{name: "zero ttl", o: manageOptions{replication: true, advertise: "127.0.0.1:4000"}, wantMatch: "invalid --replication-ttl"},
		{name: "negative ttl", o: manageOptions{replication: true, advertise: "127.0.0.1:4000", replicationTTL: -time.Second}, wantMatch: "must be a positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.checkReplication()
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case tt.wantMatch != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantMatch) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantMatch)
				}
			case err != nil:
				t.Fatalf("unexpected error %v", err)
			}
		})
	}
}

func TestReplicationNeedsStore(t *testing.T) {
	o := &manageOptions{replication: true, advertise: "127.0.0.1:4000", replicationTTL: time.Second}
	for _, uri := range []string{"nodes://127.0.0.1:2375", "127.0.0.1:2375", "file:///tmp/x", "token://abc"} {
		_, err := openShared(o, uri, discovery.Options{})
		if !errors.Is(err, discovery.ErrNoStore) || !strings.Contains(err.Error(), "consul://, etcd:// or zk://") {
			t.Errorf("%s: err = %v, want ErrNoStore naming the schemes", uri, err)
		}
	}
	o.replication = false
	if sh, err := openShared(o, "nodes://127.0.0.1:2375", discovery.Options{}); sh != nil || err != nil {
		t.Errorf("without --replication, nodes:// gives %v, %v; want no store and no error", sh, err)
	}
}

package cli

import (
	"errors"
	"testing"

	"github.com/swarm-project/swarm/scheduler"
)

func TestClusterOpts(t *testing.T) {
	tests := []struct {
		name           string
		opts           map[string]string
		wantOvercommit float64
		wantRetry      int
		wantErr        string
		wantIs         error // instead of wantErr: the scheduler's own error
	}{
		{name: "defaults", opts: map[string]string{}, wantOvercommit: 0.05},
		{name: "both", opts: map[string]string{"swarm.overcommit": "0.5", "swarm.createretry": "2"}, wantOvercommit: 0.5, wantRetry: 2},
		{name: "negative overcommit above -1", opts: map[string]string{"swarm.overcommit": "-0.5"}, wantOvercommit: -0.5},
		{name: "createretry zero", opts: map[string]string{"swarm.createretry": "0"}, wantOvercommit: 0.05},
		{name: "overcommit -1", opts: map[string]string{"swarm.overcommit": "-1"}, wantErr: "swarm.overcommit should be larger than -1, -1.000000 is invalid"},
		{name: "overcommit -1.5", opts: map[string]string{"swarm.overcommit": " -1.5"}, wantErr: "swarm.overcommit should be larger than -1, -1.500000 is invalid"},
		{name: "overcommit -Inf", opts: map[string]string{"swarm.overcommit": "-Inf"}, wantErr: "swarm.overcommit should be larger than -1, -Inf is invalid"},
		{name: "overcommit not a number", opts: map[string]string{"swarm.overcommit": "lots"}, wantIs: scheduler.ErrBadOption},
		{name: "createretry negative", opts: map[string]string{"swarm.createretry": "-3"}, wantErr: "swarm.createretry can not be negative, -3 is invalid"},
		{name: "createretry not a number", opts: map[string]string{"swarm.createretry": "x"}, wantErr: `manage: --cluster-opt swarm.createretry="x" must be a whole number >= 0`},
		{name: "overcommit checked first", opts: map[string]string{"swarm.createretry": "-1", "swarm.overcommit": "-2"}, wantErr: "swarm.overcommit should be larger than -1, -2.000000 is invalid"},
		{name: "known keys checked before unknown ones", opts: map[string]string{"swarm.foo": "1", "swarm.createretry": "-1"}, wantErr: "swarm.createretry can not be negative, -1 is invalid"},
		{name: "unknown key", opts: map[string]string{"swarm.foo": "1", "swarm.bar": "1"}, wantErr: `manage: unknown --cluster-opt "swarm.bar" (valid: swarm.overcommit, swarm.createretry, swarm.overlay)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			over, retry, err := clusterOpts(tt.opts, 0.05)
			if tt.wantIs != nil {
				if !errors.Is(err, tt.wantIs) {
					t.Fatalf("clusterOpts(%v) = %v, want %v", tt.opts, err, tt.wantIs)
				}
				return
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("clusterOpts(%v) = %v, want %q", tt.opts, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if over != tt.wantOvercommit || retry != tt.wantRetry {
				t.Fatalf("clusterOpts(%v) = %v, %d; want %v, %d", tt.opts, over, retry, tt.wantOvercommit, tt.wantRetry)
			}
		})
	}
}

func TestOverlayOpt(t *testing.T) {
	tests := []struct {
		opts      map[string]string
		noOverlay bool
		wantErr   string
	}{
		{opts: map[string]string{}},
		{opts: map[string]string{"swarm.overlay": "true"}},
		{opts: map[string]string{"swarm.overlay": "false"}, noOverlay: true},
		{opts: map[string]string{"swarm.overlay": " 0"}, noOverlay: true},
		{opts: map[string]string{"swarm.overlay": "off"}, wantErr: `manage: --cluster-opt swarm.overlay="off" must be true or false`},
	}
	for _, tt := range tests {
		got, err := overlayOpt(tt.opts)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("overlayOpt(%v) = %v, want %q", tt.opts, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.noOverlay {
			t.Errorf("overlayOpt(%v) = %v, %v; want %v", tt.opts, got, err, tt.noOverlay)
		}
	}
}

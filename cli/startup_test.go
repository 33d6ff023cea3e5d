package cli

import (
	"strings"
	"testing"
	"time"
)

func TestStartupWaitFlag(t *testing.T) {
	cmd := newManageCommand(&globalOptions{})
	if f := cmd.Flags().Lookup("startup-wait"); f == nil || f.DefValue != "30s" {
		t.Fatalf("--startup-wait: %+v, want a flag defaulting to 30s", f)
	}
	tests := []struct {
		name    string
		wait    time.Duration
		wantErr string
	}{
		{name: "default", wait: 30 * time.Second},
		{name: "off", wait: 0},
		{name: "negative", wait: -time.Second, wantErr: "manage: --startup-wait -1s is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &manageOptions{
				strategy: "spread", refreshMin: 30 * time.Second, refreshMax: 60 * time.Second,
				failureRetry: 3, heartbeat: time.Minute, clusterDriver: "swarm", startupWait: tt.wait,
			}
			_, err := o.config()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("config() = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("config() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

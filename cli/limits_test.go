package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/api"
)

func TestLimitFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    api.Limits
		wantErr string
	}{
		{name: "defaults", want: api.Limits{MaxBody: api.DefaultMaxBody, BodyTimeout: api.DefaultBodyTimeout,
			WriteTimeout: api.DefaultWriteTimeout, IdleTimeout: api.DefaultIdleTimeout}},
		{name: "all set", args: []string{"--max-request-body", "64MiB", "--body-timeout", "5s", "--write-timeout", "10s", "--idle-timeout", "30s"},
			want: api.Limits{MaxBody: 64 << 20, BodyTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second}},
		{name: "short size", args: []string{"--max-request-body", "2m"},
			want: api.Limits{MaxBody: 2 << 20, BodyTimeout: api.DefaultBodyTimeout, WriteTimeout: api.DefaultWriteTimeout, IdleTimeout: api.DefaultIdleTimeout}},
		{name: "bad size", args: []string{"--max-request-body", "lots"}, wantErr: `--max-request-body "lots": want a positive size`},
		{name: "zero size", args: []string{"--max-request-body", "0"}, wantErr: "--max-request-body"},
		{name: "zero timeout", args: []string{"--idle-timeout", "0s"}, wantErr: "--idle-timeout 0s: want a positive duration"},
		{name: "negative timeout", args: []string{"--body-timeout", "-1s"}, wantErr: "--body-timeout -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newManageCommand(&globalOptions{})
			if err := cmd.Flags().Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			// Read the flags back as registered on the command.
			l := &limitFlags{}
			fs := cmd.Flags()
			l.maxBody, _ = fs.GetString("max-request-body")
			l.bodyTimeout, _ = fs.GetDuration("body-timeout")
			l.writeTimeout, _ = fs.GetDuration("write-timeout")
			l.idleTimeout, _ = fs.GetDuration("idle-timeout")
			got, err := l.parse()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("limits %+v, want %+v", got, tt.want)
			}
		})
	}
}

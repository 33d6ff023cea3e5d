package filters

import (
	"errors"
	"slices"
	"testing"
)

func TestParseReschedule(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		label    string
		want     []string
		wantIdx  []int
		resched  bool
		checkErr string
	}{
		{name: "none"},
		{name: "env", env: []string{"A=1", "reschedule:on-node-failure"}, want: []string{"on-node-failure"}, wantIdx: []int{1}, resched: true},
		{name: "label", label: `["on-node-failure"]`, want: []string{"on-node-failure"}, resched: true},
		{name: "label off", label: `["off"]`, want: []string{"off"}},
		{name: "plain word label", label: "on-node-failure", want: []string{"on-node-failure"}, resched: true},
		{name: "empty list", label: `[]`},
		{name: "label then env, duplicates kept", env: []string{"reschedule:off"}, label: `["off"]`, want: []string{"off", "off"}, wantIdx: []int{0}, checkErr: "too many reschedule policies"},
		{name: "unknown", env: []string{"reschedule:never"}, want: []string{"never"}, wantIdx: []int{0}, checkErr: "invalid reschedule policy: never"},
		{name: "case matters", label: `["On-Node-Failure"]`, want: []string{"On-Node-Failure"}, checkErr: "invalid reschedule policy: On-Node-Failure"},
		{name: "not the prefix", env: []string{"RESCHEDULE=on-node-failure", "rescheduled:x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, idx := ParseReschedule(tt.env, tt.label)
			if !slices.Equal(got, tt.want) || !slices.Equal(idx, tt.wantIdx) {
				t.Fatalf("ParseReschedule = %q %v, want %q %v", got, idx, tt.want, tt.wantIdx)
			}
			err := CheckReschedule(got)
			if tt.checkErr == "" && err != nil {
				t.Fatalf("CheckReschedule: %v", err)
			}
			if tt.checkErr != "" {
				if err == nil || err.Error() != tt.checkErr || !errors.Is(err, ErrBadReschedulePolicy) {
					t.Fatalf("CheckReschedule = %v, want %q", err, tt.checkErr)
				}
			}
			if tt.env == nil {
				if r := Reschedules(map[string]string{ReschedulePoliciesLabel: tt.label}); r != tt.resched {
					t.Errorf("Reschedules = %v, want %v", r, tt.resched)
				}
			}
		})
	}
}

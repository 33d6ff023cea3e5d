package filters

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// A reschedule policy says what the manager does with a container when
// its node fails: "on-node-failure" creates it again on another node,
// "off" (the default) leaves it. A request gives it as the pseudo
// environment variable `reschedule:on-node-failure` or as the
// com.docker.swarm.reschedule-policies label, a JSON array; the env entry
// is moved into the label before the engine sees the request, as the
// constraint:, affinity: and whitelist: entries are.

// ReschedulePoliciesLabel is the label that stores a container's
// reschedule policies.
const ReschedulePoliciesLabel = "com.docker.swarm.reschedule-policies"

// RescheduleEnvPrefix is the pseudo environment variable prefix.
const RescheduleEnvPrefix = "reschedule:"

// The reschedule policies.
const (
	RescheduleOnNodeFailure = "on-node-failure"
	RescheduleOff           = "off"
)

// ErrBadReschedulePolicy is what every malformed policy is (errors.Is).
var ErrBadReschedulePolicy = errors.New("bad reschedule policy")

// PolicyError is a reschedule policy list that cannot be used; its message
// is classic Swarm's.
type PolicyError struct{ msg string }

func (e *PolicyError) Error() string { return e.msg }

// Is makes every PolicyError match ErrBadReschedulePolicy.
func (e *PolicyError) Is(target error) bool { return target == ErrBadReschedulePolicy }

// ParseReschedule reads the policies of a request: the label's list, then
// the `reschedule:` entries of env in order, duplicates kept (two
// policies are too many even when they agree, as in classic Swarm). idx
// are the indexes of env's reschedule entries. A label that is not a JSON
// array is read as one policy, so that `--label
// com.docker.swarm.reschedule-policies=off` means what it says.
func ParseReschedule(env []string, label string) (policies []string, idx []int) {
	if v := strings.TrimSpace(label); v != "" {
		var list []string
		if strings.HasPrefix(v, "[") && json.Unmarshal([]byte(v), &list) == nil {
			policies = append(policies, list...)
		} else {
			policies = append(policies, v)
		}
	}
	for i, kv := range env {
		if p, ok := strings.CutPrefix(kv, RescheduleEnvPrefix); ok {
			policies = append(policies, p)
			idx = append(idx, i)
		}
	}
	return policies, idx
}

// CheckReschedule accepts no policy or one known policy, and answers
// classic Swarm's errors otherwise.
func CheckReschedule(policies []string) error {
	switch {
	case len(policies) > 1:
		return &PolicyError{msg: "too many reschedule policies"}
	case len(policies) == 1 && policies[0] != RescheduleOff && policies[0] != RescheduleOnNodeFailure:
		return &PolicyError{msg: fmt.Sprintf("invalid reschedule policy: %s", policies[0])}
	}
	return nil
}

// Reschedules reports whether a container with these labels is to be
// created again elsewhere when its node fails.
func Reschedules(labels map[string]string) bool {
	policies, _ := ParseReschedule(nil, labels[ReschedulePoliciesLabel])
	return len(policies) == 1 && policies[0] == RescheduleOnNodeFailure
}

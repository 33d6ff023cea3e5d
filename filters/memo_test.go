package filters

import (
	"fmt"
	"sync"
	"testing"
)

// The memo answers as the expression does: for strings seen again, for
// equal strings held in other memory, beyond its number of slots, and from
// several goroutines at once (run with -race).
func TestMatchMemo(t *testing.T) {
	tests := []struct {
		name string
		expr string
	}{
		{name: "glob", expr: "region==us-*"},
		{name: "plain", expr: "region==US-EAST-1"},
		{name: "regexp", expr: "region==/^eu-/"},
		{name: "not equal", expr: "region!=us-*"},
	}
	var values []string
	for i := range 3 * memoSlots {
		values = append(values, fmt.Sprintf("%s-%d", []string{"us-east", "eu-west", "ap-south"}[i%3], i%7))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExpr(KindConstraint, tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			m := new(matchMemo)
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for round := range 3 {
						for _, v := range values {
							if round == 2 {
								v = string([]byte(v)) // same content, other bytes
							}
							if got, want := m.matches(e, v), e.Matches(v); got != want {
								t.Errorf("matches(%q) = %v, want %v", v, got, want)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

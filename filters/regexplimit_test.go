package filters

import (
	"errors"
	"strings"
	"testing"
)

func TestRegexpValueSize(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string // substring; "" means accepted
	}{
		{name: "usual", body: "node==/node-[0-9]+/"},
		{name: "case folded", body: "zone==/(?i)eu-.*/"},
		{name: "bounded repeat", body: "node==/.{999}/"},
		{name: "letter class repeated a little", body: `node==/\pL{50}/`},
		{name: "letter class repeated a lot", body: `node==/\pL{999}/`, wantErr: "too large"},
		{name: "repeats in a row", body: "node==/" + strings.Repeat("[^a]{999}", 20) + "/", wantErr: "too large"},
		{name: "nested repeats", body: `node==/((\pL{30}){30})/`, wantErr: "too large"},
		{name: "parse error kept", body: "node==/(/", wantErr: "missing closing )"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExpr(KindConstraint, tt.body)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ParseExpr(%q): %v", tt.body, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadExpression)):
				t.Fatalf("ParseExpr(%q) = %v, want an expression error with %q", tt.body, err, tt.wantErr)
			}
		})
	}
}

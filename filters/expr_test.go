package filters

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseExpr(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantKey  string
		wantOp   Op
		wantSoft bool
		wantVal  string
		wantBody string
	}{
		{name: "equal", in: "storage==ssd", wantKey: "storage", wantOp: Equal, wantVal: "ssd", wantBody: "storage==ssd"},
		{name: "not equal", in: "storage!=disk", wantKey: "storage", wantOp: NotEqual, wantVal: "disk", wantBody: "storage!=disk"},
		{name: "soft equal", in: "node==~node-1", wantKey: "node", wantOp: Equal, wantSoft: true, wantVal: "node-1", wantBody: "node==~node-1"},
		{name: "soft not equal", in: "region!=~us-*", wantKey: "region", wantOp: NotEqual, wantSoft: true, wantVal: "us-*", wantBody: "region!=~us-*"},
		{name: "spaces trimmed", in: "  storage == ssd ", wantKey: "storage", wantOp: Equal, wantVal: "ssd", wantBody: "storage==ssd"},
		{name: "regexp", in: "storage==/ssd|flash/", wantKey: "storage", wantOp: Equal, wantVal: "/ssd|flash/", wantBody: "storage==/ssd|flash/"},
		{name: "dotted key", in: "com.example.type==front", wantKey: "com.example.type", wantOp: Equal, wantVal: "front", wantBody: "com.example.type==front"},
		{name: "node id with colons", in: "node==ABCD:EFGH", wantKey: "node", wantOp: Equal, wantVal: "ABCD:EFGH", wantBody: "node==ABCD:EFGH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExpr(KindConstraint, tt.in)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", tt.in, err)
			}
			if e.Key != tt.wantKey || e.Op != tt.wantOp || e.Soft != tt.wantSoft || e.Value != tt.wantVal {
				t.Errorf("ParseExpr(%q) = key %q op %v soft %v value %q; want %q %v %v %q",
					tt.in, e.Key, e.Op, e.Soft, e.Value, tt.wantKey, tt.wantOp, tt.wantSoft, tt.wantVal)
			}
			if e.Body() != tt.wantBody {
				t.Errorf("Body() = %q, want %q", e.Body(), tt.wantBody)
			}
			if e.String() != "constraint:"+tt.wantBody {
				t.Errorf("String() = %q, want %q", e.String(), "constraint:"+tt.wantBody)
			}
		})
	}
}

func TestParseExprErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "single equal", in: "foo=bar"},
		{name: "no key", in: "==x"},
		{name: "no value", in: "foo=="},
		{name: "soft without value", in: "foo==~"},
		{name: "bad regexp", in: "foo==/[/"},
		{name: "empty regexp", in: "foo==//"},
		{name: "triple equal", in: "foo===bar"},
		{name: "bad key", in: "fo o==bar"},
		{name: "empty", in: ""},
		{name: "operator only", in: "!="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExpr(KindConstraint, tt.in)
			if err == nil {
				t.Fatalf("ParseExpr(%q): want an error", tt.in)
			}
			if !errors.Is(err, ErrBadExpression) {
				t.Errorf("error %v does not wrap ErrBadExpression", err)
			}
			var ee *ExpressionError
			if !errors.As(err, &ee) {
				t.Fatalf("error %T is not an *ExpressionError", err)
			}
			if ee.Expr != "constraint:"+tt.in {
				t.Errorf("ExpressionError.Expr = %q, want %q", ee.Expr, "constraint:"+tt.in)
			}
			if !strings.Contains(err.Error(), `"constraint:`+tt.in+`"`) {
				t.Errorf("message %q does not quote the expression", err.Error())
			}
		})
	}
}

func TestExprMatches(t *testing.T) {
	tests := []struct {
		name  string
		expr  string
		value string
		want  bool
	}{
		{name: "plain equal", expr: "k==ssd", value: "ssd", want: true},
		{name: "plain ignores case", expr: "k==SSD", value: "ssd", want: true},
		{name: "plain ignores case of subject", expr: "k==ssd", value: "SsD", want: true},
		{name: "plain differs", expr: "k==ssd", value: "ssd2", want: false},
		{name: "glob prefix", expr: "k==us-*", value: "us-east-1", want: true},
		{name: "glob prefix no match", expr: "k==us-*", value: "eu-west-1", want: false},
		{name: "glob ignores case", expr: "k==US-*", value: "us-east", want: true},
		{name: "glob star matches empty", expr: "k==us-*", value: "us-", want: true},
		{name: "glob middle", expr: "k==ub*t*", value: "ubuntu", want: true},
		{name: "glob anchored", expr: "k==*east", value: "us-east-1", want: false},
		{name: "glob question", expr: "k==node-?", value: "node-7", want: true},
		{name: "glob question one char", expr: "k==node-?", value: "node-17", want: false},
		{name: "glob backtracks", expr: "k==*a*b", value: "xaxaxb", want: true},
		{name: "regexp alternative", expr: "k==/ssd|flash/", value: "flash", want: true},
		{name: "regexp unanchored", expr: "k==/ssd/", value: "fast-ssd", want: true},
		{name: "regexp anchored", expr: "k==/^ssd$/", value: "fast-ssd", want: false},
		{name: "regexp is case sensitive", expr: "k==/SSD/", value: "ssd", want: false},
		{name: "regexp case flag", expr: "k==/(?i)SSD/", value: "ssd", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExpr(KindConstraint, tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Matches(tt.value); got != tt.want {
				t.Errorf("%s matches %q = %v, want %v", tt.expr, tt.value, got, tt.want)
			}
		})
	}
}

func TestExprHolds(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		matched bool
		want    bool
	}{
		{name: "equal matched", expr: "k==v", matched: true, want: true},
		{name: "equal unmatched", expr: "k==v", matched: false, want: false},
		{name: "not equal matched", expr: "k!=v", matched: true, want: false},
		{name: "not equal unmatched", expr: "k!=v", matched: false, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExpr(KindAffinity, tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Holds(tt.matched); got != tt.want {
				t.Errorf("Holds(%v) = %v, want %v", tt.matched, got, tt.want)
			}
		})
	}
}

func TestExprMatchesFoldsUnicode(t *testing.T) {
	tests := []struct {
		name  string
		expr  string
		value string
		want  bool
	}{
		{name: "kelvin sign folds to k", expr: "k==kafka", value: "\u212Aafka", want: true},
		{name: "long s folds to s", expr: "k==ssd", value: "\u017F\u017Fd", want: true},
		{name: "longer ascii never matches", expr: "k==ssd", value: "ssdssdssdx", want: false},
		{name: "shorter never matches", expr: "k==ssd", value: "ss", want: false},
		{name: "non-ascii pattern", expr: "k==café", value: "CAFÉ", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExpr(KindConstraint, tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Matches(tt.value); got != tt.want {
				t.Errorf("%s matches %q = %v, want %v", tt.expr, tt.value, got, tt.want)
			}
		})
	}
}

// TestParseExprLongInput: an expression over MaxExprLen is refused, and no
// error message repeats more than a short head of what was given.
func TestParseExprLongInput(t *testing.T) {
	long := strings.Repeat("a", 10000)
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "at the limit", in: "node==" + strings.Repeat("a", MaxExprLen-6)},
		{name: "one byte over", in: "node==" + strings.Repeat("a", MaxExprLen-5), wantErr: true},
		{name: "10,000-character value", in: "node==" + long, wantErr: true},
		{name: "10,000-character key", in: long + "==x", wantErr: true},
		{name: "long bad key", in: "f o" + strings.Repeat("o", 900) + "==x", wantErr: true},
		{name: "long stray operator", in: "k==" + strings.Repeat("v", 900) + "=", wantErr: true},
		{name: "multi-byte runes", in: "node==" + strings.Repeat("é", 600), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExpr(KindConstraint, tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseExpr(%d bytes) error = %v, want error %v", len(tt.in), err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, ErrBadExpression) {
				t.Errorf("error does not wrap ErrBadExpression")
			}
			msg := err.Error()
			if len(msg) > 400 {
				t.Errorf("message is %d bytes long: %.120s...", len(msg), msg)
			}
			if !utf8.ValidString(msg) {
				t.Errorf("message is not valid UTF-8: %q", msg)
			}
			if !strings.Contains(msg, "more bytes") {
				t.Errorf("message %q does not say the echo was shortened", msg)
			}
		})
	}
}

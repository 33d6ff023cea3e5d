package filters

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Kind is the family an expression belongs to.
type Kind string

// The two expression families, also the prefixes of the pseudo environment
// variables (`-e constraint:storage==ssd`).
const (
	KindConstraint Kind = "constraint"
	KindAffinity   Kind = "affinity"
)

// Op is an expression's operator.
type Op int

// Operators.
const (
	Equal    Op = iota // ==
	NotEqual           // !=
)

func (o Op) String() string {
	if o == NotEqual {
		return "!="
	}
	return "=="
}

// ErrBadExpression is wrapped by every *ExpressionError, for errors.Is.
var ErrBadExpression = errors.New("bad expression")

// ExpressionError reports a malformed constraint or affinity expression. The
// API answers 400 for it.
type ExpressionError struct {
	Expr   string // the expression as given, with its kind prefix
	Reason string
}

func (e *ExpressionError) Error() string {
	return fmt.Sprintf("invalid expression %q: %s", clip(e.Expr), e.Reason)
}

// MaxExprLen is the longest expression accepted, in bytes, without its
// kind prefix. Longer ones are refused (a 400), not matched against every
// node.
const MaxExprLen = 1024

// maxEcho is how much of an expression or value an error message repeats.
const maxEcho = 80

// clip shortens s for an error message, on a UTF-8 boundary, saying how
// much was left out.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s...(%d more bytes)", s[:cut], len(s)-cut)
}

// Unwrap lets errors.Is(err, ErrBadExpression) match.
func (e *ExpressionError) Unwrap() error { return ErrBadExpression }

type matchMode int

const (
	modePlain  matchMode = iota // case-insensitive equality
	modeGlob                    // case-insensitive, `*` any run, `?` one character
	modeRegexp                  // /.../, as written (add (?i) for case folding)
)

// Expr is one parsed `key==value` / `key!=value` expression.
type Expr struct {
	Kind  Kind
	Key   string
	Op    Op
	Soft  bool   // written with `~` after the operator
	Value string // as written, without `~` (regular expressions keep their slashes)

	mode    matchMode
	pattern string         // lower-cased value for plain and glob
	ascii   bool           // pattern is all ASCII
	re      *regexp.Regexp // for modeRegexp
}

// ParseExpr parses s (without its "constraint:"/"affinity:" prefix).
func ParseExpr(kind Kind, s string) (*Expr, error) {
	bad := func(reason string) error {
		return &ExpressionError{Expr: string(kind) + ":" + s, Reason: reason}
	}
	if len(s) > MaxExprLen {
		return nil, bad(fmt.Sprintf("%d bytes long, more than the %d allowed", len(s), MaxExprLen))
	}
	body := strings.TrimSpace(s)
	i, op := -1, Equal
	if j := strings.Index(body, "=="); j >= 0 {
		i = j
	}
	if j := strings.Index(body, "!="); j >= 0 && (i < 0 || j < i) {
		i, op = j, NotEqual
	}
	if i < 0 {
		return nil, bad("expected one of the operators == and !=")
	}
	key := strings.TrimSpace(body[:i])
	val := strings.TrimSpace(body[i+2:])
	if key == "" {
		return nil, bad("missing key")
	}
	if !validKey(key) {
		return nil, bad("key " + clip(key) + " may hold only letters, digits and . _ - /")
	}
	e := &Expr{Kind: kind, Key: key, Op: op}
	if strings.HasPrefix(val, "~") {
		e.Soft = true
		val = strings.TrimSpace(val[1:])
	}
	if val == "" {
		return nil, bad("missing value")
	}
	e.Value = val
	switch {
	case len(val) >= 2 && val[0] == '/' && val[len(val)-1] == '/':
		if len(val) == 2 {
			return nil, bad("empty regular expression")
		}
		re, err := compileValueRegexp(val[1 : len(val)-1])
		if err != nil {
			return nil, bad("bad regular expression: " + err.Error())
		}
		e.mode, e.re = modeRegexp, re
	case strings.ContainsAny(val, "=!~"):
		return nil, bad("value " + clip(val) + " holds a stray operator character")
	case strings.ContainsAny(val, "*?"):
		e.mode, e.pattern = modeGlob, strings.ToLower(val)
	default:
		e.mode, e.pattern = modePlain, strings.ToLower(val)
	}
	e.ascii = isASCII(e.pattern)
	return e, nil
}

func validKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case (c == '.' || c == '-' || c == '/') && i > 0:
		default:
			return false
		}
	}
	return true
}

// Body returns the expression without its kind prefix, in the form the
// com.docker.swarm.* labels store, e.g. "storage==~ssd".
func (e *Expr) Body() string {
	soft := ""
	if e.Soft {
		soft = "~"
	}
	return e.Key + e.Op.String() + soft + e.Value
}

// String returns the expression with its kind prefix, e.g. "constraint:storage==ssd".
func (e *Expr) String() string { return string(e.Kind) + ":" + e.Body() }

// Plain reports whether the value is a plain string (no glob, no regexp).
func (e *Expr) Plain() bool { return e.mode == modePlain }

// Matches reports whether the value's pattern matches s, ignoring the
// operator.
func (e *Expr) Matches(s string) bool {
	switch e.mode {
	case modeRegexp:
		return e.re.MatchString(s)
	case modeGlob:
		return globMatch(e.pattern, strings.ToLower(s))
	default:
		// A string that folds to an ASCII pattern is at least as long as
		// the pattern and at most three times as long (the only non-ASCII
		// runes that fold to ASCII, U+212A KELVIN SIGN and U+017F LONG S,
		// take three and two bytes). Checking that first spares reading
		// strings that cannot match, such as container IDs against names.
		if e.ascii && (len(s) < len(e.pattern) || len(s) > 3*len(e.pattern)) {
			return false
		}
		return strings.EqualFold(e.pattern, s)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Holds applies the operator to whether anything matched: `==` holds when
// something matched, `!=` when nothing did.
func (e *Expr) Holds(matched bool) bool {
	if e.Op == NotEqual {
		return !matched
	}
	return matched
}

// globMatch matches s against pattern where `*` is any run of characters and
// `?` exactly one. Both are already lower-cased. It backtracks only to the
// last star, so it runs in O(len(pattern)*len(s)) at worst.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			starP, starI = p, i
			p++
		case p < len(pattern) && pattern[p] == '?':
			_, w := utf8.DecodeRuneInString(s[i:])
			p++
			i += w
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case starP >= 0:
			_, w := utf8.DecodeRuneInString(s[starI:])
			starI += w
			p, i = starP+1, starI
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

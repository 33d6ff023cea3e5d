package filters

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
)

// The fuzz targets of this file run their seeds (f.Add and
// testdata/fuzz/FuzzXxx) as ordinary tests under `go test`; `make fuzz`
// runs the fuzzer on each of them.

var fuzzKinds = []Kind{KindConstraint, KindAffinity, KindWhitelist}

// FuzzParseExpr parses one expression body and checks what a parsed
// expression promises: its Body parses back to the same expression, a
// plain or glob value matches itself, a glob matches as the equivalent
// regular expression does, a plain value matches as strings.EqualFold does
// (the length short-cut of Matches included), and matching is
// deterministic and the same through the memo. A refused body is an
// *ExpressionError.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{
		"node==node-1", "node!=node-1", "storage==~ssd", "storage!=~ssd",
		"node==/node-[12]/", "node==/(?i)NODE-.*/", "node==node-*", "node==n?de-1",
		"region==us-east-1", "node==a|b", " node == node-1 ", "com.x.type==front",
		"node==", "==x", "node", "node=x", "node===x", "node==~", "node==//", "node==/[/",
		"node==a=b", "node==a!b", "-x==y", "node==\u212a", "node==ſ", "zone==Zürich",
		"node==*\u212a*", "node==" + strings.Repeat("*a", 300), "node==/" + strings.Repeat("a*", 200) + "/",
	} {
		f.Add(uint8(0), s, "node-1")
	}
	f.Add(uint8(1), "container==web", "WEB")
	f.Add(uint8(2), "node==node-1|node-2", "node-2")
	f.Add(uint8(0), "node==k", "\u212a")
	f.Add(uint8(0), "node==s", "ſ")
	f.Fuzz(func(t *testing.T, k uint8, body, subject string) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		if len(subject) > 4096 {
			// Names and label values are short; a long subject only
			// slows the reference regexp (len(pattern)*len(subject)).
			subject = subject[:4096]
		}
		e, err := ParseExpr(kind, body)
		if err != nil {
			var xe *ExpressionError
			if !errors.As(err, &xe) || !errors.Is(err, ErrBadExpression) || e != nil {
				t.Fatalf("ParseExpr(%q) = %v, %v: want an *ExpressionError and no expression", body, e, err)
			}
			return
		}
		if e.Kind != kind || e.Key == "" || e.Value == "" {
			t.Fatalf("ParseExpr(%q) = %+v: empty part", body, e)
		}
		// Round trip through Body and String.
		again, err := ParseExpr(kind, e.Body())
		if err != nil {
			t.Fatalf("Body %q of %q does not parse: %v", e.Body(), body, err)
		}
		if again.Key != e.Key || again.Op != e.Op || again.Soft != e.Soft || again.Value != e.Value || again.mode != e.mode {
			t.Fatalf("%q parses as %+v, its Body %q as %+v", body, e, e.Body(), again)
		}
		fromEnv, idx, err := ParseEnv(kind, []string{"PATH=/bin", e.String()})
		if err != nil || len(fromEnv) != 1 || len(idx) != 1 || idx[0] != 1 || fromEnv[0].Body() != e.Body() {
			t.Fatalf("ParseEnv of String %q = %v %v %v", e.String(), fromEnv, idx, err)
		}
		// Determinism and the memo.
		got := e.Matches(subject)
		if e.Matches(subject) != got {
			t.Fatalf("%q: Matches(%q) is not deterministic", body, subject)
		}
		var memo matchMemo
		for i := 0; i < 2; i++ {
			if memo.matches(e, subject) != got {
				t.Fatalf("%q: memo disagrees with Matches(%q) = %v", body, subject, got)
			}
		}
		if e.Holds(got) == e.Holds(!got) {
			t.Fatalf("%q: Holds does not depend on the match", body)
		}
		switch e.mode {
		case modePlain:
			if !e.Matches(e.Value) {
				t.Fatalf("%q: the plain value %q does not match itself", body, e.Value)
			}
			if want := strings.EqualFold(e.pattern, subject); got != want {
				t.Fatalf("%q: Matches(%q) = %v, EqualFold = %v", body, subject, got, want)
			}
		case modeGlob:
			if !e.Matches(e.Value) {
				t.Fatalf("%q: the glob %q does not match itself", body, e.Value)
			}
			if want := globReference(e.pattern).MatchString(strings.ToLower(subject)); got != want {
				t.Fatalf("%q: Matches(%q) = %v, the equivalent regexp says %v", body, subject, got, want)
			}
		case modeRegexp:
			if want := e.re.MatchString(subject); got != want {
				t.Fatalf("%q: Matches(%q) = %v, regexp says %v", body, subject, got, want)
			}
		}
	})
}

// globReference is the regular expression a glob pattern means: `*` any
// run of characters, `?` one character, everything else literal.
func globReference(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzParseLabel reads a com.docker.swarm.* label value. A value it
// accepts renders back (as the scheduler stores it: a JSON array of
// bodies) to a value that parses to the same expressions; a valid JSON
// array of strings is read as JSON reads it (the `\!` leniency only
// applies to what JSON refuses); anything refused is an *ExpressionError.
func FuzzParseLabel(f *testing.F) {
	for _, s := range []string{
		``, `  `, `["storage==ssd"]`, `["node==node-1","storage==~ssd"]`, `["container\!=c1"]`,
		`["container\\!=c1"]`, `["a\\\!=b"]`, `["node==\u00e9"]`, `["node==/a|b/"]`, `[]`, `null`,
		`["node=="]`, `[1]`, `{"a":"b"}`, `["node==a"`, `"node==a"`, `["node==a"] junk`, `["\!"]`,
		`["node==` + strings.Repeat("x", 4096) + `"]`, `["node==é","zone!=~\u00fc"]`,
	} {
		f.Add(uint8(0), s)
	}
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		exprs, err := ParseLabel(kind, value)
		if err != nil {
			if !errors.Is(err, ErrBadExpression) || exprs != nil {
				t.Fatalf("ParseLabel(%q) = %v, %v: want an *ExpressionError", value, exprs, err)
			}
			return
		}
		var strict []string
		if json.Unmarshal([]byte(value), &strict) == nil && len(strict) != len(exprs) {
			t.Fatalf("ParseLabel(%q) read %d expressions, JSON holds %d", value, len(exprs), len(strict))
		}
		bodies := make([]string, len(exprs))
		for i, e := range exprs {
			if e.Kind != kind {
				t.Fatalf("ParseLabel(%q): kind %q", value, e.Kind)
			}
			bodies[i] = e.Body()
		}
		if len(exprs) == 0 {
			return
		}
		rendered, err := json.Marshal(bodies)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseLabel(kind, string(rendered))
		if err != nil {
			t.Fatalf("rendered %s of %q does not parse: %v", rendered, value, err)
		}
		for i := range again {
			if again[i].Body() != bodies[i] {
				t.Fatalf("rendered %s of %q reads %q at %d, want %q", rendered, value, again[i].Body(), i, bodies[i])
			}
		}
	})
}

// FuzzConstraintPlan runs a constraint, given as env entries, through the
// filter's plan over a node with a label, with and without the node's
// index: the plan must agree with the expression applied by hand, give a
// reason exactly when it rejects, and not depend on the index.
func FuzzConstraintPlan(f *testing.F) {
	f.Add("storage==ssd", "storage", "ssd")
	f.Add("storage!=ssd", "storage", "hdd")
	f.Add("storage==~ssd", "storage", "SSD")
	f.Add("node==node-*", "other", "x")
	f.Add("node==/node-[0-9]+/", "zone", "a")
	f.Add("zone==\u212a", "zone", "k")
	f.Add("zone==*", "zone", "")
	f.Fuzz(func(t *testing.T, body, key, value string) {
		e, err := ParseExpr(KindConstraint, body)
		req := &node.Request{Env: []string{"constraint:" + body}}
		plan, perr := Constraint{}.Prepare(req, nil)
		if (err != nil) != (perr != nil) {
			t.Fatalf("ParseExpr(%q) error %v, Prepare error %v", body, err, perr)
		}
		if err != nil {
			return
		}
		plain := &node.Node{ID: "id-1", Name: "node-1", Labels: map[string]string{key: value}}
		indexed := &node.Node{ID: "id-1", Name: "node-1", Labels: map[string]string{key: value}}
		indexed.Index = node.NewNodeIndex(indexed)
		var want bool
		switch v, ok := plain.Labels[e.Key]; {
		case e.Key == "node":
			want = e.Holds(e.Matches(plain.Name) || e.Matches(plain.ID))
		case !ok:
			want = e.Op == NotEqual
		default:
			want = e.Holds(e.Matches(v))
		}
		check := plan.Hard
		if e.Soft {
			if plan.Hard != nil || len(plan.Soft) != 1 {
				t.Fatalf("%q: soft expression planned as %+v", body, plan)
			}
			check = plan.Soft[0].Check
		}
		for _, n := range []*node.Node{plain, indexed, plain} {
			ok, reason := check(n)
			if ok != want || (ok != (reason == "")) {
				t.Fatalf("%q on labels %q=%q (index %v): %v %q, want %v", body, key, value, n.Index != nil, ok, reason, want)
			}
		}
	})
}

// FuzzAffinityIndex checks that a container affinity reads the same with
// and without the node's name index (a Bloom filter of lower-cased names)
// and agrees with the expression applied to every container by hand.
func FuzzAffinityIndex(f *testing.F) {
	f.Add("container==web", "web", "0123456789ab")
	f.Add("container!=web", "WEB", "abc")
	f.Add("container==0123", "db", "0123456789ab")
	f.Add("container==\u212a", "k", "1")
	f.Add("container==k", "\u212a", "1")
	f.Add("container==w*", "web", "1")
	f.Add("container==/^w/", "web", "1")
	f.Fuzz(func(t *testing.T, body, name, id string) {
		e, err := ParseExpr(KindAffinity, body)
		if err != nil || e.Key != "container" {
			return
		}
		cs := []*node.Container{{ID: id, Names: []string{name}}, {ID: "ffff", Names: []string{"other"}}}
		plain := &node.Node{Name: "node-1", Containers: cs}
		indexed := &node.Node{Name: "node-1", Containers: cs}
		indexed.Index = node.NewNodeIndex(indexed)
		req := &node.Request{Env: []string{"affinity:" + body}}
		var results []bool
		for _, n := range []*node.Node{plain, indexed} {
			plan, err := Affinity{}.Prepare(req, []*node.Node{n})
			if err != nil {
				t.Fatalf("Prepare(%q): %v", body, err)
			}
			check := plan.Hard
			if e.Soft {
				check = plan.Soft[0].Check
			}
			ok, _ := check(n)
			results = append(results, ok)
		}
		if results[0] != results[1] {
			t.Fatalf("%q on a container %q (ID %q): %v without the index, %v with it", body, name, id, results[0], results[1])
		}
		byHand := e.Matches(id) || e.Matches(name) || e.Matches("ffff") || e.Matches("other")
		if !isHex(e.Value) || !e.Plain() || byHand {
			if results[0] != e.Holds(byHand) {
				t.Fatalf("%q on a container %q (ID %q): %v, by hand %v", body, name, id, results[0], e.Holds(byHand))
			}
		}
	})
}

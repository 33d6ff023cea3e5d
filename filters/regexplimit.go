package filters

import (
	"fmt"
	"regexp"
	"regexp/syntax"
)

// maxRegexpSize bounds what a /regexp/ value may expand to once its
// repetitions are unrolled (the size of the program regexp.Compile
// builds). A few bytes such as `\pL{999}` repeated make a program of
// hundreds of thousands of instructions, whose compilation takes a second
// of CPU and tens of megabytes; the patterns constraints use
// (`/node-[0-9]+/`, `/(?i)eu-.*/`) stay far below.
const maxRegexpSize = 10000

// compileValueRegexp compiles the inside of a /.../ value, refusing one
// whose unrolled size exceeds maxRegexpSize before compiling it.
func compileValueRegexp(expr string) (*regexp.Regexp, error) {
	if parsed, err := syntax.Parse(expr, syntax.Perl); err == nil {
		if regexpSize(parsed) > maxRegexpSize {
			return nil, fmt.Errorf("too large once its repetitions are unrolled (more than %d steps)", maxRegexpSize)
		}
	}
	// Parse errors are reported by Compile, with its usual message.
	return regexp.Compile(expr)
}

// regexpSize estimates the instructions re compiles to: one per node, a
// repetition counting its body as many times as it may repeat (its
// minimum plus one when unbounded). It stops counting past maxRegexpSize.
func regexpSize(re *syntax.Regexp) int {
	n := 1 + len(re.Rune)/16 // a class costs with its ranges, which each repetition copies
	for _, sub := range re.Sub {
		n += regexpSize(sub)
		if n > maxRegexpSize {
			return n
		}
	}
	if re.Op == syntax.OpRepeat {
		times := re.Max
		if times < 0 {
			times = re.Min + 1
		}
		if times > 1 {
			if n > maxRegexpSize/times {
				return maxRegexpSize + 1
			}
			n *= times
		}
	}
	return n
}

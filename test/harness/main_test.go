package harness

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"
)

// The test binary doubles as the fake programs the unit tests drive: set
// HARNESS_FAKE and run os.Args[0].
const fakeEnv = "HARNESS_FAKE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeMain(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeMain is one of:
//
//	manager: `manage -H addr ...`, serves GET /_ping with 200
//	broken:  writes "boom" to stderr and exits 3
//	docker:  prints its args on stdout, its stdin on stderr, exits $FAKE_EXIT
//	sleep:   sleeps 60s (any args)
func fakeMain(mode string, args []string) int {
	switch mode {
	case "manager":
		if len(args) < 3 || args[0] != "manage" || args[1] != "-H" {
			fmt.Fprintf(os.Stderr, "fake manager: bad args %q\n", args)
			return 2
		}
		fmt.Println("fake manager listening on", args[2])
		l, err := net.Listen("tcp", args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/_ping", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK") })
		_ = http.Serve(l, mux)
		return 1
	case "broken":
		fmt.Fprintln(os.Stderr, "boom")
		return 3
	case "docker":
		fmt.Println(args)
		in, _ := io.ReadAll(os.Stdin)
		os.Stderr.Write(in)
		code, _ := strconv.Atoi(os.Getenv("FAKE_EXIT"))
		return code
	case "sleep":
		time.Sleep(60 * time.Second)
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown %s=%q\n", fakeEnv, mode)
	return 2
}

// Command bench measures the manager against real and simulated engines;
// its figures go into docs/performance.md. It is not part of the test
// suite: run it by hand, as root for the proxy measurement.
//
//	go run ./test/bench proxy   [-n 300] [-cli 30]
//	    Starts 3 real engines and a manager (test/harness), creates
//	    containers on the first engine, then times the same calls through
//	    the manager and directly against that engine, interleaved in one
//	    run, with the Go Docker client (and with the docker CLI when -cli
//	    is not 0). It prints medians and the manager/direct ratio.
//
//	go run ./test/bench sockets [-engines 100,500,1000] [-burst 4000]
//	    Starts N SIMULATED engines (test/simengine) on loopback TCP in this
//	    process and a real manager process against them, then counts the
//	    manager's sockets (/proc/PID/fd) once every engine is healthy,
//	    during and after a burst of proxied requests, and once idle
//	    connections have expired. It prints sockets per engine.
//
//	go run ./test/bench scale [-engines 1000,10000] [-containers 30] [-per-process 4000]
//	                          [-info 200] [-ps 20] [-runs 100] [-conc 8] [-conc-runs 400] [-idle 30s] [-settle 0s]
//	    The whole manager process at scale (issue 15). Starts N SIMULATED
//	    engines (test/simengine), each a real loopback TCP server holding C
//	    containers, served by child processes of this binary (`bench
//	    simfleet`, at most -per-process engines each: the open-files limit
//	    is per process), and a real `swarm manage` with file:// discovery
//	    listing them. Prints one table row per N: time until every engine
//	    is healthy; GET /info p50/p99; GET /containers/json?all=1 p50;
//	    run (create + start) p50/p99, sequential; -conc concurrent runners'
//	    containers/s and p99; the manager's CPU over -idle with no client,
//	    after -settle (/proc/PID/stat, % of one core); its peak RSS (VmHWM); its sockets
//	    (/proc/PID/fd, without the bench's own client connections) per
//	    engine; and the requests the engines received per second over the
//	    same idle window.
//
//	bench simfleet -first F -count N -containers C
//	    The child side of scale, not meant to be run by hand: serves
//	    simulated engines node-(F+1)..node-(F+N), prints their addresses,
//	    answers request counts on stdin and exits when stdin ends (the
//	    protocol is described in simfleet.go).
//
// Flow of a measurement: set up, wait until the manager's cache is full
// (GET /info shows every node Healthy), measure, tear down what was
// started (engines, manager) by PID through the harness. scale also stops
// everything on error and on Ctrl-C (SIGINT, SIGTERM), and its children
// die with it (Pdeathsig) if it is killed.
package main

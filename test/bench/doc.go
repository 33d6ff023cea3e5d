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
// Flow of a measurement: set up, wait until the manager's cache is full
// (GET /info shows every node Healthy), measure, tear down what was
// started (engines, manager) by PID through the harness.
package main

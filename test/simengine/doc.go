// Package simengine is a SIMULATED Docker engine, for unit tests and scale
// benchmarks only. It is not a Docker daemon and must never be used to judge
// whether the manager works against real engines: integration tests start
// real dockerd processes through test/harness.
//
// An Engine serves the part of the Docker Engine API the manager reads and
// the part its create path writes, from an in-memory state:
//
//	GET|HEAD /_ping, GET /version, GET /info, GET /events (live stream)
//	GET /containers/json, POST /containers/create,
//	GET /containers/{id}/json, DELETE /containers/{id},
//	POST /containers/{id}/start|stop|kill|restart|pause|unpause|rename|wait|exec|...
//	GET /images/json, POST /images/create (pull), /images/{name}/json|tag, DELETE
//	GET /networks, GET /volumes, /exec/{id}/json|start|resize
//
// every one under /vX.Y/ as well as unversioned. Container actions the
// simulator does not model (logs, top, archive, attach, ...) answer 200 with
// a small body so that proxy routes can be exercised; every request is
// counted and the latest ones are kept in a log, so tests can check what
// reached the engine and benchmarks can prove that a read did not.
//
// State changes (through the API or through the Go methods AddContainer,
// SetState, RemoveContainer, AddImage, Emit) are published on /events, with
// `since` replay from a bounded history, like dockerd.
//
// Failure injection drives the manager's health machine: SetFailure(FailError)
// answers 500 to everything, SetFailure(FailClose) cuts every connection
// (open event streams included) without an answer, Stop closes the listener
// and Restart listens again on the same address.
//
// Two transports:
//
//   - Start listens on 127.0.0.1 on a random TCP port (one listening socket
//     per engine, plus the connections clients open);
//   - a Network serves engines in-process over net.Pipe, reachable only
//     through Network.DialContext / Network.Transport, so that ten thousand
//     engines cost no file descriptors. Their addresses are loopback
//     addresses (127.x.y.z:2375) that nothing listens on.
package simengine

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"sync"

	"github.com/swarm-project/swarm/cluster/engine"
)

// proxyTarget says where one proxied request goes. It travels in the
// request's context from the handler to the shared ReverseProxy.
type proxyTarget struct {
	engine *engine.Engine
	path   string // the path to request on the engine, with its version
	// shape, when set, reshapes the JSON answer to the client's version.
	shape func([]byte) ([]byte, error)
	// after runs on a successful (2xx/101) answer before its body is
	// copied to the client, e.g. to refresh the cache.
	after func(resp *http.Response) error
	// untrack, set once the answer turned out to be a stream, unregisters
	// it from the server's streams.
	untrack func()
}

type targetKey struct{}

func targetOf(r *http.Request) *proxyTarget {
	t, _ := r.Context().Value(targetKey{}).(*proxyTarget)
	return t
}

// transportFunc adapts a function to http.RoundTripper.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// proxyBuffers lends the proxy its copy buffers. Without a pool the
// library makes a 32 KiB buffer for every forwarded call, whatever the
// size of the answer (a start's is empty).
type proxyBuffers struct{ pool sync.Pool }

func (b *proxyBuffers) Get() []byte {
	if p, ok := b.pool.Get().(*[]byte); ok {
		return *p
	}
	return make([]byte, 32<<10)
}

func (b *proxyBuffers) Put(buf []byte) { b.pool.Put(&buf) }

// newProxy builds the one ReverseProxy every handler forwards through.
// Streams (logs -f, stats, wait, pull progress) are flushed on every write;
// attach and exec are upgraded by the standard library ("Upgrade: tcp"),
// which copies both directions and propagates half-closes.
func (s *Server) newProxy() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			t := targetOf(pr.In)
			u := t.engine.URL()
			pr.Out.URL.Scheme = u.Scheme
			pr.Out.URL.Host = u.Host
			pr.Out.URL.Path = t.path
			pr.Out.URL.RawPath = ""
			pr.Out.Host = u.Host
		},
		// A connection failure counts against the engine's health, as a
		// failed refresh does (ObserveCall ignores answers and cancels).
		Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
			e := targetOf(r).engine
			resp, err := e.Transport().RoundTrip(r)
			// A client's own failure (a body over the limit) says
			// nothing of the engine.
			var clientErr *statusError
			if r.Context().Err() == nil && !errors.As(err, &clientErr) {
				e.ObserveCall(err)
			}
			return resp, err
		}),
		BufferPool: &proxyBuffers{},
		// Streams (chunked, no Content-Length: logs -f, stats, events,
		// wait, pull progress) are flushed on every write by the standard
		// library; answers of known length need no flushing.
		FlushInterval: 0,
		ModifyResponse: func(resp *http.Response) error {
			t := targetOf(resp.Request)
			if resp.ContentLength < 0 && resp.StatusCode != http.StatusSwitchingProtocols && resp.Body != nil {
				// A stream (logs -f, stats, wait, pull progress): Shutdown
				// ends it cleanly.
				body := &stoppableBody{ReadCloser: resp.Body}
				resp.Body = body
				t.untrack = s.streams.add(body.stop)
			}
			if t.shape != nil {
				if err := reshape(resp, t.shape); err != nil {
					return err
				}
			}
			if t.after != nil && resp.StatusCode < 300 {
				return t.after(resp)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if bodyErr := bodyError(r); bodyErr != nil {
				writeError(w, r, bodyErr) // a body over the limit or stalled
				return
			}
			if r.Context().Err() != nil {
				return // the client went away
			}
			t := targetOf(r)
			writeError(w, r, errorf(http.StatusInternalServerError,
				fmt.Sprintf("cannot reach node %s (%s): %v", t.engine.Name(), t.engine.Addr(), err)))
		},
	}
}

// forward proxies r to engine e at path (without a version). The call is
// sent at the client's API version when the engine serves it, else at the
// nearest version it serves, translated both ways (translate.go).
func (s *Server) forward(w http.ResponseWriter, r *http.Request, e *engine.Engine, path string, after func(*http.Response) error) error {
	if err := e.Available(); err != nil {
		return err
	}
	client := s.clientVersion(r)
	lo, hi := e.APIRange()
	target := engineVersion(client, lo, hi)
	out, err := translateRequest(r, path, client, target, e)
	if err != nil {
		return err
	}
	t := &proxyTarget{engine: e, path: "/v" + target + path, after: after, shape: answerShaper(r.Method, path, target, client)}
	defer func() {
		if t.untrack != nil {
			t.untrack()
		}
	}()
	s.proxy.ServeHTTP(w, out.WithContext(context.WithValue(out.Context(), targetKey{}, t)))
	return nil
}

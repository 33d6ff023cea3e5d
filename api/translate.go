package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/versions"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file translates a forwarded call between the client's API version
// and the version it is sent to the engine at (engineVersion): the query
// parameters and request bodies whose meaning an older engine lacks, and
// the JSON answers whose shape differs (shape.go). What cannot be
// translated is refused with a 400 that names the parameter or field and
// the versions, rather than sent to an engine that would ignore it.

// maxTranslatedBody bounds a request or answer body read for translation.
const maxTranslatedBody = 16 << 20

// versionGap is a query parameter or body field an API version introduced.
type versionGap struct {
	method, suffix string // the route: method and path suffix ("" any)
	param          string // query parameter, or "" for a body field
	field          string // top-level body field, for a JSON body
	since          string
	drop           bool // older engines can do without it: drop it
}

// gaps are the parameters and fields of forwarded calls that engines older
// than their version do not know. Container create, network connect and
// the image calls the cluster makes are translated by the Docker client
// the cluster uses, per engine.
var gaps = []versionGap{
	{method: "POST", suffix: "/stop", param: "signal", since: "1.42"},
	{method: "POST", suffix: "/restart", param: "signal", since: "1.42"},
	{method: "POST", suffix: "/push", param: "platform", since: "1.46"},
	{method: "GET", suffix: "/get", param: "platform", since: "1.48"},
	{method: "GET", suffix: "/history", param: "platform", since: "1.48"},
	{method: "GET", suffix: "/json", param: "platform", since: "1.49"},
	// The CLI resizes the terminal right after start, so an engine that
	// does not take the size at creation still ends up with it.
	{method: "POST", suffix: "/exec", field: "ConsoleSize", since: "1.42", drop: true},
	{method: "POST", suffix: "/start", field: "ConsoleSize", since: "1.42", drop: true},
}

// untranslatable says which part of a call the engine's API cannot carry.
func untranslatable(what, since string, e *engine.Engine, target string) error {
	_, hi := e.APIRange()
	return errorf(http.StatusBadRequest, fmt.Sprintf("%s needs Engine API %s or newer, and node %s serves API %s at most (the call was translated to API %s): leave it out or run it on a newer node",
		what, since, e.Name(), hi, target))
}

// translateRequest returns r as the engine at target should receive it,
// for a client at client version. r itself is never modified.
func translateRequest(r *http.Request, path, client, target string, e *engine.Engine) (*http.Request, error) {
	if !versions.LessThan(target, client) {
		return r, nil // the engine serves the client's version or newer
	}
	var drop []string
	for _, g := range gaps {
		if g.method != r.Method || !strings.HasSuffix(path, g.suffix) || !versions.LessThan(target, g.since) {
			continue
		}
		if g.param != "" && r.URL.Query().Get(g.param) != "" {
			return nil, untranslatable(fmt.Sprintf("the %q parameter", g.param), g.since, e, target)
		}
		if g.field != "" {
			drop = append(drop, g.field)
		}
	}
	if len(drop) == 0 || r.Body == nil || r.Body == http.NoBody {
		return r, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTranslatedBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxTranslatedBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, "request body too large to translate between API versions")
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		changed := false
		for _, f := range drop {
			if _, ok := fields[f]; ok {
				delete(fields, f)
				changed = true
			}
		}
		if changed {
			if body, err = json.Marshal(fields); err != nil {
				return nil, err
			}
		}
	}
	out := r.Clone(r.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return out, nil
}

// answerShaper reshapes a forwarded JSON answer read at src for a client
// at v; nil when the route's answer needs none.
func answerShaper(method, path, src, v string) func([]byte) ([]byte, error) {
	if method != http.MethodGet || src == v {
		return nil
	}
	switch {
	case strings.HasPrefix(path, "/containers/") && strings.HasSuffix(path, "/json"):
		return func(b []byte) ([]byte, error) {
			var c container.InspectResponse
			if err := json.Unmarshal(b, &c); err != nil {
				return nil, err
			}
			return json.Marshal(shapeContainer(c, src, v))
		}
	case strings.HasPrefix(path, "/images/") && strings.HasSuffix(path, "/json"):
		return func(b []byte) ([]byte, error) {
			var img image.InspectResponse
			if err := json.Unmarshal(b, &img); err != nil {
				return nil, err
			}
			return json.Marshal(shapeImageInspect(img, v))
		}
	}
	return nil
}

// reshape applies shape to a successful JSON answer, in place. An answer
// it cannot read, or larger than maxTranslatedBody, is passed on
// unchanged.
func reshape(resp *http.Response, shape func([]byte) ([]byte, error)) error {
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return nil
	}
	body, whole, err := readAnswer(resp)
	if err != nil || !whole {
		return err
	}
	if shaped, err := shape(body); err == nil {
		body = append(shaped, '\n')
	}
	setBody(resp, body)
	return nil
}

// readAnswer reads a JSON answer of at most maxTranslatedBody bytes, known
// length or chunked (Engine 29 answers inspects chunked). When it is
// larger, whole is false and resp.Body still yields the whole answer.
func readAnswer(resp *http.Response) (body []byte, whole bool, err error) {
	if resp.ContentLength > maxTranslatedBody {
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxTranslatedBody+1))
	if err != nil {
		return nil, false, err
	}
	if len(body) > maxTranslatedBody {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return nil, false, nil
	}
	resp.Body.Close()
	return body, true, nil
}

// setBody replaces an answer's body with a complete one.
func setBody(resp *http.Response, body []byte) {
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Header.Del("Transfer-Encoding")
	resp.TransferEncoding = nil
}

package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/versions"

	"github.com/swarm-project/swarm/cluster/engine"
)

// The fuzz targets of this file run their seeds (f.Add and
// testdata/fuzz/FuzzXxx) as ordinary tests under `go test`; `make fuzz`
// runs the fuzzer on each of them.

// fuzzVersion maps a byte to an API version from MinAPIVersion to
// MaxAPIVersion, the versions the router lets through.
func fuzzVersion(b uint8) string { return fmt.Sprintf("1.%d", 24+int(b)%(56-24+1)) }

var fuzzForwarded = []struct{ method, path string }{
	{"POST", "/containers/web/stop"}, {"POST", "/containers/web/restart"}, {"POST", "/images/x/push"},
	{"GET", "/images/get"}, {"GET", "/images/x/history"}, {"GET", "/images/x/json"},
	{"POST", "/containers/web/exec"}, {"POST", "/exec/e1/start"}, {"POST", "/containers/web/start"},
	{"GET", "/containers/web/json"},
}

// FuzzTranslateRequest translates a forwarded call with an arbitrary query
// and body between two API versions. A call to an engine at the client's
// version or newer is left as it is; a parameter the engine's version
// lacks is a 400 naming it; otherwise the body sent is complete
// (Content-Length right), the request given is not modified, a JSON object
// body loses exactly the fields the engine's version lacks, and any other
// body is sent byte for byte.
func FuzzTranslateRequest(f *testing.F) {
	f.Add(uint8(0), "signal=SIGKILL", []byte(``), uint8(41-24), uint8(41-24))
	f.Add(uint8(0), "signal=SIGKILL&t=3", []byte(``), uint8(44-24), uint8(41-24))
	f.Add(uint8(6), "", []byte(`{"Detach":false,"Tty":true,"ConsoleSize":[24,80]}`), uint8(44-24), uint8(41-24))
	f.Add(uint8(7), "", []byte(`{"ConsoleSize":[24,80],"ConsoleSize":null}`), uint8(44-24), uint8(41-24))
	f.Add(uint8(8), "", []byte(`{"consolesize":[1,2],"x":"<é&>"}`), uint8(50-24), uint8(40-24))
	f.Add(uint8(6), "", []byte(`not json`), uint8(44-24), uint8(41-24))
	f.Add(uint8(6), "", []byte(`[{"ConsoleSize":1}]`), uint8(44-24), uint8(41-24))
	f.Add(uint8(2), "platform=linux%2Famd64", []byte(``), uint8(49-24), uint8(45-24))
	f.Add(uint8(5), "platform=", []byte(``), uint8(56-24), uint8(24-24))
	f.Fuzz(func(t *testing.T, route uint8, query string, body []byte, clientB, targetB uint8) {
		rt := fuzzForwarded[int(route)%len(fuzzForwarded)]
		client, target := fuzzVersion(clientB), fuzzVersion(targetB)
		r := httptest.NewRequest(rt.method, "/v"+client+rt.path, bytes.NewReader(body))
		if u, err := r.URL.Parse("?" + query); err == nil {
			r.URL.RawQuery = u.RawQuery
		}
		rawQuery, header := r.URL.RawQuery, r.Header.Clone()
		e := &engine.Engine{}
		out, err := translateRequest(r, rt.path, client, target, e)
		if r.URL.RawQuery != rawQuery || !reflect.DeepEqual(r.Header, header) {
			t.Fatalf("translateRequest modified the request")
		}
		if !versions.LessThan(target, client) {
			if out != r || err != nil {
				t.Fatalf("%s %s from %s to %s: changed (%v)", rt.method, rt.path, client, target, err)
			}
			return
		}
		var dropped []string
		for _, g := range gaps {
			if g.method == rt.method && strings.HasSuffix(rt.path, g.suffix) && versions.LessThan(target, g.since) {
				if g.param != "" && r.URL.Query().Get(g.param) != "" {
					if err == nil || statusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), g.param) {
						t.Fatalf("%s %s?%s from %s to %s: %v, want a 400 naming %q", rt.method, rt.path, query, client, target, err, g.param)
					}
					return
				}
				if g.field != "" {
					dropped = append(dropped, g.field)
				}
			}
		}
		if err != nil {
			t.Fatalf("%s %s?%s from %s to %s: %v", rt.method, rt.path, query, client, target, err)
		}
		if len(dropped) == 0 {
			if out != r {
				t.Fatalf("%s %s from %s to %s: rewritten with nothing to drop", rt.method, rt.path, client, target)
			}
			return
		}
		sent, err := io.ReadAll(out.Body)
		if err != nil {
			t.Fatal(err)
		}
		if out.ContentLength != int64(len(sent)) || out.Header.Get("Content-Length") != fmt.Sprint(len(sent)) {
			t.Fatalf("body of %d bytes sent with Content-Length %d/%q", len(sent), out.ContentLength, out.Header.Get("Content-Length"))
		}
		var in map[string]json.RawMessage
		if json.Unmarshal(body, &in) != nil {
			if !bytes.Equal(sent, body) {
				t.Fatalf("a body that is not a JSON object was changed: %q -> %q", body, sent)
			}
			return
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(sent, &got); err != nil {
			t.Fatalf("translated body %q is not a JSON object: %v", sent, err)
		}
		for _, f := range dropped {
			if _, ok := got[f]; ok {
				t.Fatalf("%q still holds %s for an engine at %s", sent, f, target)
			}
			delete(in, f)
		}
		if len(in) != len(got) {
			t.Fatalf("translated body has %d fields, want %d: %q -> %q", len(got), len(in), body, sent)
		}
		for k, v := range in {
			if !sameJSON(v, got[k]) {
				t.Fatalf("field %q changed: %s -> %s", k, v, got[k])
			}
		}
	})
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// FuzzShapeAnswer shapes a forwarded inspect answer (arbitrary JSON) read
// at one version for a client at another. An answer the shaper cannot read
// is an error (reshape then passes it on unchanged); a shaped answer is
// JSON of the same type, holds no field newer than the client's version,
// is deterministic, shapes to itself again (idempotent), and grows by at
// most the DNS names it fills in.
func FuzzShapeAnswer(f *testing.F) {
	ctr := `{"Id":"0123456789abcdef0123","Name":"/web","ImageManifestDescriptor":{"mediaType":"x"},` +
		`"HostConfig":{"Annotations":{"a":"b"},"Mounts":[{"Type":"bind","BindOptions":{"ReadOnlyNonRecursive":true}}]},` +
		`"Config":{"Healthcheck":{"StartInterval":1000000000}},` +
		`"NetworkSettings":{"Networks":{"net1":{"Aliases":["web","0123456789ab"],"DNSNames":["web","0123456789ab"],"GwPriority":3},"bridge":null}}}`
	img := `{"Id":"sha256:abc","Size":10,"VirtualSize":10,"Descriptor":{"mediaType":"x"},"Manifests":[{"ID":"m"}]}`
	f.Add(uint8(0), []byte(ctr), uint8(51-24), uint8(41-24))
	f.Add(uint8(0), []byte(ctr), uint8(41-24), uint8(51-24))
	f.Add(uint8(1), []byte(img), uint8(51-24), uint8(43-24))
	f.Add(uint8(1), []byte(img), uint8(41-24), uint8(49-24))
	f.Add(uint8(0), []byte(`{"Id":"é","Name":"/","NetworkSettings":{"Networks":{"n":{}}}}`), uint8(44-24), uint8(46-24))
	f.Add(uint8(0), []byte(`{"Id":1}`), uint8(44-24), uint8(46-24))
	f.Add(uint8(1), []byte(`[]`), uint8(44-24), uint8(46-24))
	f.Add(uint8(0), []byte(`null`), uint8(50-24), uint8(30-24))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte, srcB, vB uint8) {
		src, v := fuzzVersion(srcB), fuzzVersion(vB)
		path := []string{"/containers/web/json", "/images/busybox/json"}[kind%2]
		shape := answerShaper("GET", path, src, v)
		if src == v || answerShaper("POST", path, src, v) != nil {
			if shape != nil {
				t.Fatalf("a shaper for %s from %s to %s", path, src, v)
			}
			return
		}
		out, err := shape(body)
		if err != nil {
			return
		}
		again, err := shape(body)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("shaping %q is not deterministic: %q, then %q (%v)", body, out, again, err)
		}
		twice, err := shape(out)
		if err != nil || !sameJSON(out, twice) {
			t.Fatalf("shaping is not idempotent: %s, then %s (%v)", out, twice, err)
		}
		if kind%2 == 0 {
			var c, orig container.InspectResponse
			if err := json.Unmarshal(out, &c); err != nil {
				t.Fatalf("shaped answer %q: %v", out, err)
			}
			if before(v, "1.48") && c.ImageManifestDescriptor != nil {
				t.Fatalf("ImageManifestDescriptor kept for a client at %s", v)
			}
			if before(v, "1.43") && c.ContainerJSONBase != nil && c.HostConfig != nil && c.HostConfig.Annotations != nil {
				t.Fatalf("HostConfig.Annotations kept for a client at %s", v)
			}
			if before(v, "1.44") && c.Config != nil && c.Config.Healthcheck != nil && c.Config.Healthcheck.StartInterval != 0 {
				t.Fatalf("Healthcheck.StartInterval kept for a client at %s", v)
			}
			_ = json.Unmarshal(body, &orig)
			base, _ := json.Marshal(orig)
			nets := 0
			if orig.NetworkSettings != nil {
				nets = len(orig.NetworkSettings.Networks)
			}
			if len(out) > (2+nets)*len(base) {
				t.Fatalf("shaped answer of %d bytes from %d bytes and %d networks", len(out), len(base), nets)
			}
			return
		}
		var im image.InspectResponse
		if err := json.Unmarshal(out, &im); err != nil {
			t.Fatalf("shaped answer %q: %v", out, err)
		}
		if before(v, "1.48") && (im.Descriptor != nil || im.Manifests != nil) {
			t.Fatalf("Descriptor or Manifests kept for a client at %s", v)
		}
		if before(v, "1.44") && im.VirtualSize != im.Size { //nolint:staticcheck // the field old clients read
			t.Fatalf("VirtualSize %d for Size %d at %s", im.VirtualSize, im.Size, v) //nolint:staticcheck
		}
	})
}

// FuzzVersions checks the version arithmetic on arbitrary strings: the
// engine version chosen for a client lies in the engine's range, and the
// advertised version in the manager's.
func FuzzVersions(f *testing.F) {
	f.Add("1.41", "1.24", "1.43")
	f.Add("1.56", "1.24", "1.41")
	f.Add("1.20", "1.24", "1.41")
	f.Add("", "", "")
	f.Add("1.999999999999999999999", "1.a", "x")
	f.Add("1.41.1", "01.041", "1.41")
	f.Fuzz(func(t *testing.T, v, lo, hi string) {
		got := engineVersion(v, lo, hi)
		if lo != "" && hi != "" && versions.GreaterThan(lo, hi) {
			return // an engine reports its oldest API no newer than its newest
		}
		if hi != "" && versions.GreaterThan(got, hi) {
			t.Fatalf("engineVersion(%q, %q, %q) = %q, above the range", v, lo, hi, got)
		}
		if lo != "" && !versions.GreaterThan(lo, hi) && versions.LessThan(got, lo) {
			t.Fatalf("engineVersion(%q, %q, %q) = %q, below the range", v, lo, hi, got)
		}
		if engineVersion(got, lo, hi) != got {
			t.Fatalf("engineVersion(%q, %q, %q) = %q, which is not in the range itself", v, lo, hi, got)
		}
		c := capAPI(v)
		if versions.GreaterThan(c, MaxAPIVersion) || versions.LessThan(c, MinAPIVersion) {
			t.Fatalf("capAPI(%q) = %q", v, c)
		}
	})
}

// FuzzUnknownCreateFields reads the fields of a create body the manager's
// types do not know (those a newer client sends, carried through as
// sent): exactly the top-level and HostConfig keys that match no known
// field, even ignoring case, with their values untouched.
func FuzzUnknownCreateFields(f *testing.F) {
	f.Add([]byte(`{"Image":"busybox","NewField":1,"HostConfig":{"Memory":1,"NewHostField":[1]}}`))
	f.Add([]byte(`{"image":"busybox","hostconfig":{"MEMORY":1}}`))
	f.Add([]byte(`{"HostConfig":null,"\u00e9":"x"}`))
	f.Add([]byte(`{"HostConfig":[1]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		top, host := unknownCreateFields(body)
		knownTop, knownHost := knownFields()
		var raw map[string]json.RawMessage
		if json.Unmarshal(body, &raw) != nil {
			if top != nil || host != nil {
				t.Fatalf("fields read from a body that is not a JSON object")
			}
			return
		}
		check := func(what string, got, in map[string]json.RawMessage, known map[string]bool) {
			for k, v := range in {
				_, listed := got[k]
				if listed == knownFields0(known, k) {
					t.Fatalf("%s field %q: listed %v, known %v", what, k, listed, !listed)
				}
				if listed && !bytes.Equal(got[k], v) {
					t.Fatalf("%s field %q: value %s, sent %s", what, k, got[k], v)
				}
			}
			if len(got) > len(in) {
				t.Fatalf("%s: %d fields listed of %d", what, len(got), len(in))
			}
		}
		check("top-level", top, raw, knownTop)
		var hc map[string]json.RawMessage
		_ = json.Unmarshal(raw["HostConfig"], &hc)
		check("HostConfig", host, hc, knownHost)
	})
}

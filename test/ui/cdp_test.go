package uitest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// page is a chromium tab driven through the DevTools protocol: the live
// test keeps one page open in real time while the cluster changes, which
// --dump-dom's virtual time cannot do (it runs to the end of its budget as
// soon as no request is waiting for its headers).
type page struct {
	ws *websocket.Conn
	id int
}

var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// openPage starts headless chromium with a DevTools port and returns its
// one tab; the browser ends with the test.
func openPage(t *testing.T) *page {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir="+profileDir(t), "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank")
	ownGroup(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	var browserWS string
	sc := bufio.NewScanner(stderr)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if m := devtoolsLine.FindStringSubmatch(sc.Text()); m != nil {
			browserWS = m[1]
			break
		}
	}
	if browserWS == "" {
		t.Fatalf("chromium printed no DevTools address:\n%s", strings.Join(seen, "\n"))
	}
	go func() { // keep draining so that chromium never blocks on stderr
		for sc.Scan() {
		}
	}()
	u, err := url.Parse(browserWS)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + u.Host + "/json/list")
	if err != nil {
		t.Fatalf("DevTools target list: %v", err)
	}
	defer resp.Body.Close()
	var targets []struct{ Type, WebSocketDebuggerURL string }
	if err := json.NewDecoder(resp.Body).Decode(&targets); err != nil {
		t.Fatalf("DevTools target list: %v", err)
	}
	for _, tg := range targets {
		if tg.Type == "page" && tg.WebSocketDebuggerURL != "" {
			ws, err := websocket.Dial(tg.WebSocketDebuggerURL, "", "http://127.0.0.1/")
			if err != nil {
				t.Fatalf("DevTools connection: %v", err)
			}
			t.Cleanup(func() { ws.Close() })
			return &page{ws: ws}
		}
	}
	t.Fatalf("chromium has no page target: %+v", targets)
	return nil
}

// call sends one DevTools command and returns its result, skipping the
// events that come in between.
func (p *page) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	p.id++
	if err := websocket.JSON.Send(p.ws, map[string]any{"id": p.id, "method": method, "params": params}); err != nil {
		t.Fatalf("DevTools %s: %v", method, err)
	}
	for {
		var msg struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := websocket.JSON.Receive(p.ws, &msg); err != nil {
			t.Fatalf("DevTools %s: %v", method, err)
		}
		if msg.ID != p.id {
			continue
		}
		if msg.Error != nil {
			t.Fatalf("DevTools %s: %s", method, msg.Error.Message)
		}
		return msg.Result
	}
}

// html returns the page's current DOM.
func (p *page) html(t *testing.T) string {
	t.Helper()
	var out struct {
		Result struct{ Value string } `json:"result"`
	}
	raw := p.call(t, "Runtime.evaluate", map[string]any{"expression": "document.documentElement.outerHTML", "returnByValue": true})
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("Runtime.evaluate: %v", err)
	}
	return out.Result.Value
}

// waitFor polls the DOM until ok accepts it, or fails the test with the
// last DOM after a generous while (a broken page never gets there).
func (p *page) waitFor(t *testing.T, what string, ok func(dom string) bool) string {
	t.Helper()
	var dom string
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if dom = p.html(t); ok(dom) {
			return dom
		}
	}
	t.Fatalf("the page never showed %s; it was:\n%s", what, dom)
	return ""
}

// navigate loads url in the page.
func (p *page) navigate(t *testing.T, u string) {
	t.Helper()
	p.call(t, "Page.navigate", map[string]any{"url": u})
}

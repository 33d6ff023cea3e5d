package uitest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// pageURL is the cluster page on the manager.
func pageURL() string { return "http://" + cluster.Manager.Addr + "/ui/" }

// TestClusterPageShowsNodesAndContainers loads the page once and finds
// every node, its engine version, and a container run through the manager
// with a memory reservation. With SWARM_UI_SCREENSHOT=1 it also writes
// docs/ui.png.
func TestClusterPageShowsNodesAndContainers(t *testing.T) {
	docker(t, "run", "-d", "--name", "ui-first", "-m", "64m", "-e", "constraint:node=="+cluster.Engines[0].Name, "busybox", "sleep", "600")
	t.Cleanup(func() { cluster.Manager.Docker("rm", "-f", "ui-first") })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dom := browse(ctx, t, pageURL(), 3000, "--dump-dom")
	for _, e := range cluster.Engines {
		if !strings.Contains(dom, `data-node="`+e.Name+`"`) {
			t.Errorf("node %s is not on the page:\n%s", e.Name, dom)
		}
	}
	first := nodeBlock(t, dom, cluster.Engines[0].Name)
	if !strings.Contains(first, `data-container="ui-first"`) {
		t.Errorf("container ui-first is not under %s:\n%s", cluster.Engines[0].Name, first)
	}
	if !strings.Contains(first, "64.0 MiB / ") {
		t.Errorf("the memory bar of %s does not show the 64 MiB reservation:\n%s", cluster.Engines[0].Name, first)
	}
	engineVersion, _, err := harness.Docker(cluster.Engines[0].Addr, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(engineVersion); !strings.Contains(first, "engine "+v) {
		t.Errorf("node %s does not show engine version %s:\n%s", cluster.Engines[0].Name, v, first)
	}
	if !strings.Contains(dom, "3 nodes (3 healthy)") {
		t.Errorf("the summary does not count 3 healthy nodes:\n%s", dom)
	}

	if os.Getenv("SWARM_UI_SCREENSHOT") == "1" {
		root, err := harness.RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		png := filepath.Join(root, "docs", "ui.png")
		browse(ctx, t, pageURL(), 3000, "--screenshot="+png, "--window-size=1280,900", "--hide-scrollbars")
		if st, err := os.Stat(png); err != nil || st.Size() == 0 {
			t.Errorf("no screenshot at %s: %v", png, err)
		}
	}
}

// TestClusterPageUpdatesLive keeps one page open in a real browser while a
// container is created through the manager: the page's event stream brings
// it in, and the page was loaded once.
func TestClusterPageUpdatesLive(t *testing.T) {
	t.Cleanup(func() { cluster.Manager.Docker("rm", "-f", "ui-live") })
	p := openPage(t)
	p.navigate(t, pageURL())
	p.waitFor(t, "the cluster and a live event stream", func(dom string) bool {
		return strings.Contains(dom, `data-node="`+cluster.Engines[2].Name+`"`) && strings.Contains(dom, `id="live">live<`)
	})
	if strings.Contains(p.html(t), "ui-live") {
		t.Fatal("ui-live is on the page before it was created")
	}

	docker(t, "run", "-d", "--name", "ui-live", "busybox", "sleep", "600")
	dom := p.waitFor(t, "container ui-live", func(dom string) bool {
		return strings.Contains(dom, `data-container="ui-live"`) && regexp.MustCompile(`container start ui-live`).MatchString(dom)
	})
	if loads := elementText(t, dom, "loads"); loads != "1" {
		t.Errorf("the page was loaded %s times, want 1 (no reload)", loads)
	}
	if n, err := strconv.Atoi(elementText(t, dom, "refreshes")); err != nil || n < 2 {
		t.Errorf("refreshes = %q, want at least 2 (the first read and a live one)", elementText(t, dom, "refreshes"))
	}
}

// nodeBlock returns the article of one node in the dumped DOM.
func nodeBlock(t *testing.T, dom, name string) string {
	t.Helper()
	start := strings.Index(dom, `data-node="`+name+`"`)
	if start < 0 {
		t.Fatalf("node %s is not on the page:\n%s", name, dom)
	}
	end := strings.Index(dom[start:], "</article>")
	if end < 0 {
		t.Fatalf("node %s's article does not end:\n%s", name, dom)
	}
	return dom[start : start+end]
}

// elementText returns the text of the element with the given id.
func elementText(t *testing.T, dom, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `"[^>]*>([^<]*)<`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no element #%s on the page:\n%s", id, dom)
	}
	return m[1]
}

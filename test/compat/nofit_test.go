package compattest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// The "no node fits" errors, byte for byte as classic Swarm worded them:
// a header with a trailing space, then one bracketed line per filter, in
// pipeline order, up to the filter that left no node. Then our addition:
// how many nodes each step ruled out (TestNoFitExplained has more).

const nofitHeader = "Unable to find a node that satisfies the following conditions "

// nofitMsg builds classic Swarm's message from its lines.
func nofitMsg(lines ...string) string { return nofitHeader + "\n" + strings.Join(lines, "\n") }

// nofitRuledOut is the message's lines after classic Swarm's (an
// addition): how many nodes each step ruled out, and which.
func nofitRuledOut(lines ...string) string {
	return "\nNodes ruled out, by the first condition each fails:\n" + strings.Join(lines, "\n")
}

// nofitRunStderr is what the docker CLI prints when `docker run` gets msg
// from the daemon.
func nofitRunStderr(msg string) string {
	return "docker: Error response from daemon: " + msg + "\n\nRun 'docker run --help' for more information\n"
}

// nofitRm removes containers through the manager, ignoring errors.
func nofitRm(names ...string) {
	_, _, _ = harness.Docker(manager.Addr, append([]string{"rm", "-f"}, names...)...)
}

func TestNoFitMessages(t *testing.T) {
	p := prefix(t)
	ssd, disk, third := engines[0], engines[1], engines[2]
	all := ssd.Name + ", " + disk.Name + ", " + third.Name
	// A container holding the host ports the cases below ask for on ssd.
	docker(t, "run", "-d", "--name", p+"web", "-p", "18473:80", "-e", "constraint:node=="+ssd.Name, "busybox", "sleep", "300")
	docker(t, "run", "-d", "--name", p+"host", "--net=host", "-p", "18474:18474", "-e", "constraint:node=="+ssd.Name, "busybox", "sleep", "300")
	defer nofitRm(p+"web", p+"host")

	tests := []struct {
		name string
		args []string // after `docker run -d`
		want string   // the daemon's message
	}{
		{
			name: "constraint to a missing node",
			args: []string{"-e", "constraint:node==nosuchnode"},
			want: nofitMsg("[available container slots]", "[node==nosuchnode]") +
				nofitRuledOut("constraint:node==nosuchnode: 3 nodes ("+all+")"),
		},
		{
			// The port filter keeps disk and the third node; the constraint
			// then leaves none. The port line comes first, met or not.
			name: "port, bridge mode, taken on the only allowed node",
			args: []string{"-p", "18473:80", "-e", "constraint:node==" + ssd.Name},
			want: nofitMsg("[port 18473 (Bridge mode)]", "[available container slots]", "[node=="+ssd.Name+"]") +
				nofitRuledOut("constraint:node=="+ssd.Name+": 2 nodes ("+disk.Name+", "+third.Name+")", "port 18473 (Bridge mode): 1 node ("+ssd.Name+")"),
		},
		{
			name: "port, host mode",
			args: []string{"--net=host", "-p", "18474:18474", "-e", "constraint:node==" + ssd.Name},
			want: nofitMsg("[port 18474/tcp (Host mode)]", "[available container slots]", "[node=="+ssd.Name+"]") +
				nofitRuledOut("constraint:node=="+ssd.Name+": 2 nodes ("+disk.Name+", "+third.Name+")", "port 18474 (Host mode): 1 node ("+ssd.Name+")"),
		},
		{
			// The docker CLI does not always send several -e in the order
			// given; a label's list keeps its order. The label's come
			// before the env's.
			name: "constraints: every one listed, as written, soft ones without ~",
			args: []string{"--label", `com.docker.swarm.constraints=["storage==disk", "node!=` + disk.Name + `", "zone==~eu-*"]`, "-e", "constraint:region==us"},
			want: nofitMsg("[available container slots]", "[storage==disk node!="+disk.Name+" zone==eu-* region==us]") +
				nofitRuledOut("constraint:storage==disk: 2 nodes ("+ssd.Name+", "+third.Name+")", "constraint:node!="+disk.Name+": 1 node ("+disk.Name+")"),
		},
		{
			name: "constraint, regular expression",
			args: []string{"-e", "constraint:storage==/^nv.*/"},
			want: nofitMsg("[available container slots]", "[storage==/^nv.*/]") +
				nofitRuledOut("constraint:storage==/^nv.*/: 3 nodes ("+all+")"),
		},
		{
			name: "affinity to a missing container",
			args: []string{"-e", "affinity:container==" + p + "nosuch"},
			want: nofitMsg("[available container slots]", "[container=="+p+"nosuch (soft=false)]") +
				nofitRuledOut("affinity:container=="+p+"nosuch: 3 nodes ("+all+")"),
		},
		{
			name: "affinity, soft and hard, image",
			args: []string{"--label", `com.docker.swarm.affinities=["container!=~` + p + `web"]`, "-e", "affinity:image==" + p + "nosuch"},
			want: nofitMsg("[available container slots]", "[container!="+p+"web (soft=true) image=="+p+"nosuch (soft=false)]") +
				nofitRuledOut("affinity:image=="+p+"nosuch: 3 nodes ("+all+")"),
		},
		{
			// Met conditions of earlier filters are listed too.
			name: "affinity met, constraint not",
			args: []string{"-p", "18475:80", "-e", "affinity:container!=" + p + "nosuch", "-e", "constraint:storage==nvme"},
			want: nofitMsg("[port 18475 (Bridge mode)]", "[available container slots]", "[container!="+p+"nosuch (soft=false)]", "[storage==nvme]") +
				nofitRuledOut("constraint:storage==nvme: 3 nodes ("+all+")"),
		},
		{
			name: "dependency, --volumes-from a missing container",
			args: []string{"--volumes-from", p + "nosuch"},
			want: nofitMsg("[available container slots]", "[--volumes-from="+p+"nosuch]") +
				nofitRuledOut("dependency --volumes-from="+p+"nosuch: no such container: 3 nodes ("+all+")"),
		},
		{
			name: "dependency, --volumes-from and --link on two nodes",
			args: []string{"--volumes-from", p + "other:ro", "--link", p + "web:db"},
			want: nofitMsg("[available container slots]", "[--volumes-from="+p+"other:ro --link="+p+"web:db]") +
				nofitRuledOut("dependency --volumes-from="+p+"other:ro ("+disk.Name+"), --link="+p+"web:db ("+ssd.Name+") are on different nodes: 3 nodes ("+all+")"),
		},
		{
			name: "dependency, --net=container: a missing container",
			args: []string{"--net=container:" + p + "nosuch"},
			want: nofitMsg("[available container slots]", "[--net=container:"+p+"nosuch]") +
				nofitRuledOut("dependency --net=container:"+p+"nosuch: no such container: 3 nodes ("+all+")"),
		},
		{
			name: "memory larger than any node",
			args: []string{"-m", "4096g"},
			want: "no resources available to schedule container",
		},
	}
	// A container on another node than web.
	docker(t, "run", "-d", "--name", p+"other", "-e", "constraint:node=="+disk.Name, "busybox", "sleep", "300")
	defer nofitRm(p + "other")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"run", "-d"}, tt.args...), "busybox", "true")
			got := dockerFails(t, args...)
			if want := nofitRunStderr(tt.want); got != want {
				t.Errorf("docker %s:\n got %q\nwant %q", strings.Join(args, " "), got, want)
			}
		})
	}
}

// The API answers 500 for no fit, as classic Swarm did.
func TestNoFitStatus(t *testing.T) {
	body := `{"Image":"busybox","Cmd":["true"],"Env":["constraint:node==nosuchnode"]}`
	resp, err := http.Post("http://"+manager.Addr+"/containers/create", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
}

// `docker save` of images that no single healthy engine holds together.
func TestNoFitSaveSpreadImages(t *testing.T) {
	p := prefix(t)
	a, b := p+"a:1", p+"b:1"
	onEngine(t, engines[0], "tag", "busybox", a)
	defer onEngine(t, engines[0], "rmi", a)
	onEngine(t, engines[1], "tag", "busybox", b)
	defer onEngine(t, engines[1], "rmi", b)
	for _, img := range []string{a, b} {
		nofitWaitImage(t, img)
	}

	got := dockerFails(t, "save", "-o", t.TempDir()+"/out.tar", a, b)
	want := "Error response from daemon: Unable to find a healthy engine containing all images: [" + a + " " + b + "]\n"
	if got != want {
		t.Errorf("docker save:\n got %q\nwant %q", got, want)
	}
	resp, err := http.Get("http://" + manager.Addr + "/images/get?names=" + a + "&names=" + b)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /images/get: status %d, want 404", resp.StatusCode)
	}
	// Either image alone saves.
	docker(t, "save", "-o", t.TempDir()+"/a.tar", a)
}

// nofitWaitImage waits until the manager has seen an image tagged on an
// engine (it learns of it from the engine's events).
func nofitWaitImage(t *testing.T, ref string) {
	t.Helper()
	var stderr string
	for range 100 {
		var err error
		if _, stderr, err = harness.Docker(manager.Addr, "image", "inspect", ref); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the manager does not list %s: %s", ref, stderr)
}

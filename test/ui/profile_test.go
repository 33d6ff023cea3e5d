package uitest

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// profileDir is a chromium profile directory for one run, removed at the
// end of the test. Chromium's helper processes may still write into it for
// a moment after the browser was stopped, so the removal retries instead
// of failing the test as t.TempDir's would.
func profileDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "swarm-ui-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 50; i++ {
			if err := os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("chromium profile %s left behind", dir)
	})
	return dir
}

// ownGroup makes cmd the leader of a process group that its cancellation
// kills whole: chromium's helpers go with the browser.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

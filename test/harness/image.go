package harness

import (
	"context"
	"errors"
	"strings"
	"time"
)

// imageTimeout bounds one test/image.sh run: a cold static build of the
// binary on 2 cores takes a few minutes, a warm one seconds.
const imageTimeout = 8 * time.Minute

// SwarmImage is the name test/image.sh gives the image (tags latest and the
// version).
const SwarmImage = "swarm"

// LoadSwarmImage builds the swarm image from the Dockerfile on the first
// engine and loads it into the others (test/image.sh load), returning the
// image ID. Engines that require TLS must share one Certs.
func LoadSwarmImage(engs ...*Engine) (string, error) {
	if len(engs) == 0 {
		return "", errors.New("harness: LoadSwarmImage: no engines")
	}
	script, err := scriptPath("image.sh")
	if err != nil {
		return "", err
	}
	cmd := []string{"env", "SWARM_IMAGE=" + SwarmImage, "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH="}
	if c := engs[0].TLS; c != nil {
		cmd = append(cmd, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH="+c.Dir)
	}
	cmd = append(cmd, "bash", script, "load")
	for _, e := range engs {
		if (e.TLS == nil) != (engs[0].TLS == nil) || (e.TLS != nil && e.TLS.Dir != engs[0].TLS.Dir) {
			return "", errors.New("harness: LoadSwarmImage: the engines must share one TLS setting")
		}
		cmd = append(cmd, e.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), imageTimeout)
	defer cancel()
	out, _, err := run(ctx, "", cmd...)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

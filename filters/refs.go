package filters

import (
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// isHex reports whether s is a non-empty run of hexadecimal digits, the shape
// of a container or image ID prefix.
func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// containerMatcher returns whether a container matches an affinity value:
// any of its names or its ID matches the pattern. As docker resolves short
// IDs, a plain hexadecimal value that no container in the snapshot holds as a
// name or full ID matches the containers whose ID starts with it. byName is
// true when matching is plain equality on names and IDs, ignoring case, so
// that a node.Index can answer it.
func containerMatcher(e *Expr, snapshot []*node.Node) (match func(c *node.Container) bool, byName bool) {
	byPattern := func(c *node.Container) bool {
		if e.Matches(c.ID) {
			return true
		}
		for _, name := range c.Names {
			if e.Matches(name) {
				return true
			}
		}
		return false
	}
	if !e.Plain() || !isHex(e.Value) || anyContainer(snapshot, byPattern) {
		return byPattern, e.Plain()
	}
	prefix := e.Value
	return func(c *node.Container) bool { return hasPrefixFold(c.ID, prefix) }, false
}

func anyContainer(snapshot []*node.Node, f func(c *node.Container) bool) bool {
	for _, n := range snapshot {
		if n == nil {
			continue
		}
		for _, c := range n.Containers {
			if c != nil && f(c) {
				return true
			}
		}
	}
	return false
}

const sha256Prefix = "sha256:"

func trimDigestAlgo(s string) string {
	if hasPrefixFold(s, sha256Prefix) {
		return s[len(sha256Prefix):]
	}
	return s
}

// trimRegistry drops the parts of an image reference that docker fills in by
// default: the docker.io registry and the library/ namespace.
func trimRegistry(ref string) string {
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		if hasPrefixFold(ref, p) {
			ref = ref[len(p):]
			break
		}
	}
	if hasPrefixFold(ref, "library/") {
		ref = ref[len("library/"):]
	}
	return ref
}

// hasTagOrDigest reports whether an image reference names a tag or digest
// (a ":" after the last "/", or an "@").
func hasTagOrDigest(ref string) bool {
	if strings.Contains(ref, "@") {
		return true
	}
	return strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":")
}

// normalizeRef returns ref without default registry or namespace and with
// ":latest" when it names no tag: "docker.io/library/redis" -> "redis:latest".
func normalizeRef(ref string) string {
	ref = trimRegistry(ref)
	if !hasTagOrDigest(ref) {
		ref += ":latest"
	}
	return ref
}

// refEqual reports whether the normalized reference norm names ref, without
// allocating.
func refEqual(norm, ref string) bool {
	ref = trimRegistry(ref)
	if hasTagOrDigest(ref) {
		return strings.EqualFold(norm, ref)
	}
	const latest = ":latest"
	return strings.HasSuffix(norm, latest) && strings.EqualFold(norm[:len(norm)-len(latest)], ref)
}

// imageMatcher returns whether an image matches an affinity value. A plain
// value matches a repository tag (with or without ":latest" and the default
// registry), a digest reference, or the ID (with or without "sha256:"); when
// nothing in the snapshot matches that way and the value is hexadecimal, it
// matches IDs by prefix. Globs and regular expressions are tried on the tags,
// the tags without ":latest", the digests and the ID.
func imageMatcher(e *Expr, snapshot []*node.Node) func(img *node.Image) bool {
	if !e.Plain() {
		return func(img *node.Image) bool {
			if e.Matches(img.ID) || e.Matches(trimDigestAlgo(img.ID)) {
				return true
			}
			for _, t := range img.RepoTags {
				if e.Matches(t) || e.Matches(strings.TrimSuffix(t, ":latest")) {
					return true
				}
			}
			for _, d := range img.RepoDigests {
				if e.Matches(d) {
					return true
				}
			}
			return false
		}
	}
	norm := normalizeRef(e.Value)
	id := trimDigestAlgo(e.Value)
	exact := func(img *node.Image) bool {
		if strings.EqualFold(trimDigestAlgo(img.ID), id) {
			return true
		}
		for _, t := range img.RepoTags {
			if refEqual(norm, t) {
				return true
			}
		}
		for _, d := range img.RepoDigests {
			if refEqual(norm, d) {
				return true
			}
		}
		return false
	}
	if !isHex(id) || anyImage(snapshot, exact) {
		return exact
	}
	return func(img *node.Image) bool { return hasPrefixFold(trimDigestAlgo(img.ID), id) }
}

func anyImage(snapshot []*node.Node, f func(img *node.Image) bool) bool {
	for _, n := range snapshot {
		if n == nil {
			continue
		}
		for _, img := range n.Images {
			if img != nil && f(img) {
				return true
			}
		}
	}
	return false
}

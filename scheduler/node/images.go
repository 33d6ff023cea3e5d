package node

import "strings"

// HoldsImage reports whether the node holds the image ref names: by repo
// tag (":latest" implied; the docker.io registry and library/ namespace
// optional), by repo digest, by ID (with or without "sha256:") or by a
// hexadecimal ID prefix, as the engine would resolve ref for a create.
func (n *Node) HoldsImage(ref string) bool {
	if ref == "" {
		return false
	}
	want := normalizeImageRef(ref)
	id := strings.TrimPrefix(strings.ToLower(ref), "sha256:")
	hex := isHexString(id)
	for _, img := range n.Images {
		if img == nil {
			continue
		}
		if hex && strings.HasPrefix(strings.TrimPrefix(img.ID, "sha256:"), id) {
			return true
		}
		for _, t := range img.RepoTags {
			if normalizeImageRef(t) == want {
				return true
			}
		}
		for _, d := range img.RepoDigests {
			if normalizeImageRef(d) == want {
				return true
			}
		}
	}
	return false
}

// normalizeImageRef drops the default registry and namespace and adds
// ":latest" to a reference without tag or digest, so that two spellings of
// one reference compare equal.
func normalizeImageRef(ref string) string {
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		if strings.HasPrefix(ref, p) {
			ref = ref[len(p):]
			break
		}
	}
	ref = strings.TrimPrefix(ref, "library/")
	if strings.Contains(ref, "@") {
		return ref
	}
	if !strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":") {
		ref += ":latest"
	}
	return ref
}

func isHexString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

package node

import (
	"strings"
	"unique"
)

// HoldsImage reports whether the node holds the image ref names: by repo
// tag (":latest" implied; the docker.io registry and library/ namespace
// optional), by repo digest, by ID (with or without "sha256:") or by a
// hexadecimal ID prefix, as the engine would resolve ref for a create.
func (n *Node) HoldsImage(ref string) bool { return n.Holds(PrepareImageRef(ref)) }

// ImageRef is an image reference prepared once for checking many nodes
// (Holds).
type ImageRef struct {
	want string                // normalised
	h    unique.Handle[string] // want, interned: compared with Image.refs
	id   string                // lower case, without "sha256:"
	hex  bool                  // id may be an ID prefix
}

// PrepareImageRef prepares ref for Holds.
func PrepareImageRef(ref string) ImageRef {
	if ref == "" {
		return ImageRef{}
	}
	id := strings.TrimPrefix(strings.ToLower(ref), "sha256:")
	want := normalizeImageRef(ref)
	return ImageRef{want: want, h: unique.Make(want), id: id, hex: isHexString(id)}
}

// Holds is HoldsImage for a prepared reference.
func (n *Node) Holds(r ImageRef) bool {
	if r.want == "" {
		return false
	}
	for _, img := range n.Images {
		if img == nil {
			continue
		}
		if r.hex && strings.HasPrefix(strings.TrimPrefix(img.ID, "sha256:"), r.id) {
			return true
		}
		if img.refs != nil {
			for _, t := range img.refs {
				if t == r.h {
					return true
				}
			}
			continue
		}
		for _, t := range img.RepoTags {
			if normalizeImageRef(t) == r.want {
				return true
			}
		}
		for _, d := range img.RepoDigests {
			if normalizeImageRef(d) == r.want {
				return true
			}
		}
	}
	return false
}

// NewImage is the view of an image whose tags and digests are normalised
// once, not at every check.
func NewImage(id string, tags, digests []string) *Image {
	img := &Image{ID: id, RepoTags: tags, RepoDigests: digests}
	img.refs = make([]unique.Handle[string], 0, len(tags)+len(digests))
	for _, t := range tags {
		img.refs = append(img.refs, unique.Make(normalizeImageRef(t)))
	}
	for _, d := range digests {
		img.refs = append(img.refs, unique.Make(normalizeImageRef(d)))
	}
	return img
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

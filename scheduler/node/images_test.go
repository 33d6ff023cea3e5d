package node

import "testing"

func TestHoldsImage(t *testing.T) {
	const id = "sha256:7614ae9453d1d87e740a2056257a6de7135c84037c367e1fffa92ae922784631"
	n := &Node{Images: []*Image{
		{ID: id, RepoTags: []string{"redis:latest"}, RepoDigests: []string{"redis@sha256:1111"}},
		{ID: "sha256:abcdef", RepoTags: []string{"myrepo/app:1.0", "docker.io/library/nginx:1.25"}},
		nil,
	}}
	tests := []struct {
		ref  string
		want bool
	}{
		{"redis", true},
		{"redis:latest", true},
		{"docker.io/library/redis", true},
		{"library/redis:latest", true},
		{"redis:7", false},
		{"redis@sha256:1111", true},
		{id, true},
		{"7614ae94", true},
		{"sha256:7614ae94", true},
		{"myrepo/app:1.0", true},
		{"myrepo/app", false},
		{"nginx:1.25", true},
		{"other", false},
		{"", false},
		{"localhost:5000/app", false},
	}
	// The same images with their references normalised once (NewImage),
	// as the cluster builds them.
	prepared := &Node{Images: []*Image{
		NewImage(id, []string{"redis:latest"}, []string{"redis@sha256:1111"}),
		NewImage("sha256:abcdef", []string{"myrepo/app:1.0", "docker.io/library/nginx:1.25"}, nil),
		nil,
	}}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			if got := n.HoldsImage(tt.ref); got != tt.want {
				t.Errorf("HoldsImage(%q) = %v, want %v", tt.ref, got, tt.want)
			}
			if got := prepared.Holds(PrepareImageRef(tt.ref)); got != tt.want {
				t.Errorf("prepared: Holds(%q) = %v, want %v", tt.ref, got, tt.want)
			}
		})
	}
}

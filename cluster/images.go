package cluster

// This file answers which engine an image call goes to, from the caches:
// the calls themselves are forwarded to that engine as they are.

// ImageHolders returns the healthy engines that hold image ref, sorted by
// name.
func (c *Cluster) ImageHolders(ref string) []*Engine {
	var out []*Engine
	for _, e := range c.HealthyEngines() {
		if e.HasImage(ref) {
			out = append(out, e)
		}
	}
	return out
}

// ImageHolder returns the engine that answers for image ref (inspect,
// history): the first healthy engine that holds it. It returns a
// *NotFoundError when none does.
func (c *Cluster) ImageHolder(ref string) (*Engine, error) {
	engines := c.ImageHolders(ref)
	if len(engines) == 0 {
		return nil, &NotFoundError{Kind: "image", Ref: ref}
	}
	return engines[0], nil
}

// PushSource returns the engine a push of name (with tag, "" for none)
// goes to: one that holds name:tag, else, for a push of every tag, one that
// holds name. It returns a *NotFoundError naming name:tag when none does.
func (c *Cluster) PushSource(name, tag string) (*Engine, error) {
	ref := name
	if tag != "" {
		ref = name + ":" + tag
	}
	engines := c.ImageHolders(ref)
	if len(engines) == 0 {
		engines = c.ImageHolders(name)
	}
	if len(engines) == 0 {
		return nil, &NotFoundError{Kind: "image", Ref: ref}
	}
	return engines[0], nil
}

// SaveSource returns the engine a save of names goes to: the first healthy
// engine that holds every one of them. No names is an ErrInvalid error; a
// name no engine holds is a *NotFoundError; images spread over several
// engines, none holding all, is an ErrNotFound error.
func (c *Cluster) SaveSource(names []string) (*Engine, error) {
	if len(names) == 0 {
		return nil, Errorf(ErrInvalid, "no images named: give at least one image")
	}
	engines := c.HealthyEngines()
	for _, e := range engines {
		if holdsAll(e, names) {
			return e, nil
		}
	}
	for _, n := range names {
		if len(c.ImageHolders(n)) == 0 {
			return nil, &NotFoundError{Kind: "image", Ref: n}
		}
	}
	// Classic Swarm's words, with the names as given.
	return nil, Errorf(ErrNotFound, "Unable to find a healthy engine containing all images: %v", names)
}

func holdsAll(e *Engine, names []string) bool {
	for _, n := range names {
		if !e.HasImage(n) {
			return false
		}
	}
	return true
}

// Node returns the engine ref names (ID, name or address) when it takes
// requests: a *NotFoundError when no engine has that name, a
// *NodeUnavailableError when it is not healthy. It resolves the manager's
// own `node` parameter, which pins a pull, load or import to one node.
func (c *Cluster) Node(ref string) (*Engine, error) {
	e, err := c.Engine(ref)
	if err != nil {
		return nil, err
	}
	if err := e.Available(); err != nil {
		return nil, err
	}
	return e, nil
}

// targets returns the engines an operation pinned by nodeRef (the `node`
// parameter, "" for none) goes to: that node, else every healthy node.
func (c *Cluster) targets(nodeRef string) ([]*Engine, error) {
	if nodeRef == "" {
		return c.healthyEngines()
	}
	e, err := c.Node(nodeRef)
	if err != nil {
		return nil, err
	}
	return []*Engine{e}, nil
}

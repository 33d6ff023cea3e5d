package api

// networkRoutes lists the network routes (none yet: they answer 501).
func (s *Server) networkRoutes() []route { return nil }

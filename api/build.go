package api

// buildRoutes lists the build routes (none yet: they answer 501).
func (s *Server) buildRoutes() []route { return nil }

package api

// volumeRoutes lists the volume routes (none yet: they answer 501).
func (s *Server) volumeRoutes() []route { return nil }

package api

// miscRoutes lists the misc routes (none yet: they answer 501).
func (s *Server) miscRoutes() []route { return nil }

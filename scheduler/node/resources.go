package node

// CPUsFrom converts the CPU request of a container create call into NanoCPU
// units. NanoCpus, when set, wins. Otherwise CpuShares is read as a number of
// whole cores, as classic Swarm did (`docker run -c 2` asks for two CPUs).
// Negative values count as no request.
func CPUsFrom(cpuShares, nanoCPUs int64) int64 {
	if nanoCPUs > 0 {
		return nanoCPUs
	}
	if cpuShares <= 0 {
		return 0
	}
	const maxCores = int64(^uint64(0)>>1) / NanoCPU
	if cpuShares > maxCores {
		return maxCores * NanoCPU
	}
	return cpuShares * NanoCPU
}

// Protocol returns the port's protocol, "tcp" when none is set.
func (p Port) Protocol() string {
	if p.Proto == "" {
		return "tcp"
	}
	return p.Proto
}

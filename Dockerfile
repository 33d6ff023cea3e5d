# The swarm image: the static swarm binary, the CA certificates and an empty
# /tmp, nothing else (under 30 MB).
#
# Build it with `make image` (test/image.sh). No registry is needed: the
# script first builds the binary on the host (CGO_ENABLED=0) and stages it
# with Debian's CA bundle under bin/image/rootfs, the only part of the
# repository the build context holds (see .dockerignore); the legacy builder
# does the rest:
#
#   bash test/image.sh rootfs && DOCKER_BUILDKIT=0 docker build -t swarm .
FROM scratch
COPY bin/image/rootfs/ /
# As in the classic image: `swarm manage` listens on :2375 unless -H says
# otherwise.
ENV SWARM_HOST=:2375
EXPOSE 2375
ENTRYPOINT ["/swarm"]
CMD ["--help"]

#!/usr/bin/env bash
# npm run image: builds the Containerfile with whichever builder this machine has, tagged as the
# Kubernetes manifests expect (ghcr.io/kvcanary/kvcanary:<exporter version>; IMAGE=... overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('./exporter/package.json').version")
image=${IMAGE:-${npm_package_config_image:-ghcr.io/kvcanary/kvcanary}:$version}

# docker is only a client unless an engine answers; podman and buildah build without a daemon.
if command -v podman >/dev/null; then
  builder=(podman build)
elif command -v buildah >/dev/null; then
  builder=(buildah build)
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  builder=(docker build)
else
  echo "npm run image: no container builder here (podman, buildah, or docker with a running engine)." >&2
  echo "Install one (Debian: apt-get install podman) or build on a machine that has one." >&2
  exit 1
fi
echo "building $image with ${builder[*]}"
exec "${builder[@]}" --file Containerfile --tag "$image" "$@" .

#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker-compose config` (Debian's docker-compose
# package) and, where the Docker CLI has the compose plugin, `docker compose config`.
set -euo pipefail
cd "$(dirname "$0")/.."

checked=0
if command -v docker-compose >/dev/null; then
  docker-compose config --quiet
  echo "docker-compose config: ok ($(docker-compose version --short))"
  checked=1
fi
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
  docker compose config --quiet
  echo "docker compose config: ok"
  checked=1
fi
if [ "$checked" = 0 ]; then
  echo "neither docker-compose nor the docker compose plugin is installed (apt-get install docker-compose)" >&2
  exit 1
fi

#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker-compose config` (Debian's docker-compose
# package) and, where the Docker CLI has the compose plugin, `docker compose config`. Without a .env (a clean
# clone) it reads .env.example, whose placeholders satisfy the file's required variables. Then it checks that the
# `cluster` profile holds what README's "Running on a cluster" promises: the Temporal server's four services on
# PostgreSQL with the schema and namespace jobs, a MongoDB replica set of three, two workers and two APIs.
set -euo pipefail
cd "$(dirname "$0")/.."

env_file=.env
[ -f "$env_file" ] || env_file=.env.example

cluster_services="temporal-postgres temporal-schema temporal-history temporal-matching temporal-frontend
temporal-worker temporal-namespace mongo-rs-1 mongo-rs-2 mongo-rs-3 mongo-rs-init cluster-worker-1 cluster-worker-2
cluster-api-1 cluster-api-2"

check_cluster_profile() {
  local listed missing=""
  listed="$("$@" --profile cluster config --services)"
  for service in $cluster_services; do
    grep -qx "$service" <<<"$listed" || missing="$missing $service"
  done
  if [ -n "$missing" ]; then
    echo "the cluster profile lacks:$missing" >&2
    exit 1
  fi
}

checked=0
if command -v docker-compose >/dev/null; then
  docker-compose --env-file "$env_file" config --quiet
  check_cluster_profile docker-compose --env-file "$env_file"
  echo "docker-compose config: ok ($(docker-compose version --short), variables from $env_file, cluster profile complete)"
  checked=1
fi
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
  docker compose --env-file "$env_file" config --quiet
  check_cluster_profile docker compose --env-file "$env_file"
  echo "docker compose config: ok (variables from $env_file, cluster profile complete)"
  checked=1
fi
if [ "$checked" = 0 ]; then
  echo "neither docker-compose nor the docker compose plugin is installed (apt-get install docker-compose)" >&2
  exit 1
fi

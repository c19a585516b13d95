#!/usr/bin/env bash
# Installs what the tests, the sample app and the benchmarks need and is missing:
# redis-server (Debian/Ubuntu: apt-get) and the npm dependencies (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "redis-server not found: installing it with apt-get (Redis 7, includes Sentinel)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is not installed and apt-get is not available." >&2
    echo "Install Redis 7 (it includes Sentinel), e.g. 'brew install redis' or 'apt-get install redis-server'," >&2
    echo "or run the same topology in Docker with 'docker compose up --wait'." >&2
    exit 1
  fi
fi
# Debian's package starts a redis-server on 6379 where systemd runs; the topology uses its own ports.

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

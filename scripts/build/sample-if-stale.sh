#!/usr/bin/env bash
# Builds build/ (npm run build:sample) only when a source is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=build/scripts/topology/cli.js
if [ -f "$stamp" ] && [ -z "$(find lib scripts sample-app bench tsconfig.json tsconfig.sample.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
npm run build:sample

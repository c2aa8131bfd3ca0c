#!/usr/bin/env bash
# Lints internal/web/openapi.json with the pinned Redocly CLI of this
# directory (package-lock.json), installed into ./node_modules by `npm ci`.
# Exits non-zero on any problem: redocly.yaml makes every warning an error.
set -euo pipefail
cd "$(dirname "$0")"
[ -x node_modules/.bin/redocly ] || npm ci --no-audit --no-fund --loglevel=error
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
node_modules/.bin/redocly lint --config redocly.yaml ../../internal/web/openapi.json

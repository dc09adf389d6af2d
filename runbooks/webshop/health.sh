#!/usr/bin/env bash
# Health check: health.sh [expected-version]. Prints /health; fails unless the
# service answers 200 and, when a version is given, serves that version.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

body="$(http_get /health)" || die "no healthy answer from http://$HOST:$PORT/health"
echo "$body"
expected="${1:-}"
if [ -n "$expected" ] && [[ "$body" != *"\"version\":\"$expected\""* ]]; then
  die "serving the wrong version: expected $expected"
fi

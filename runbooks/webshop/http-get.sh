#!/usr/bin/env bash
# Smoke-test helper: http-get.sh <path> [text]. Prints the body of
# GET http://127.0.0.1:$port<path>; fails unless the status is 2xx and, when
# given, the body contains <text>.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

path="${1:?usage: http-get.sh <path> [text]}"
body="$(http_get "$path")" || die "GET $path failed"
echo "$body"
if [ -n "${2:-}" ] && [[ "$body" != *"$2"* ]]; then
  die "GET $path: the answer does not contain $2"
fi

#!/usr/bin/env bash
# Stop the service by its pid file: SIGTERM, then SIGKILL after 5 s.
# Succeeds when it is not running.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

pid="$(service_pid)"
if [ -z "$pid" ]; then
  rm -f "$PIDFILE"
  log "webshop not running"
  exit 0
fi
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 50); do
  if ! is_service_process "$pid"; then
    rm -f "$PIDFILE"
    log "webshop stopped (pid $pid)"
    exit 0
  fi
  sleep 0.1
done
kill -KILL "$pid" 2>/dev/null || true
rm -f "$PIDFILE"
log "webshop killed (pid $pid): it ignored SIGTERM for 5 s"

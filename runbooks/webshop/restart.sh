#!/usr/bin/env bash
# Restart the service: stop the running one (stop.sh), start the release that
# releases/current points at, and wait until it listens (at most 10 s).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

"$WEBSHOP_DIR/stop.sh"
[ -f "$RELEASES/current/service.mjs" ] || die "no release deployed under $RELEASES/current"
log "starting webshop $(cat "$RELEASES/current/VERSION") on $HOST:$PORT"

# setsid gives the service its own session and process group, so it outlives
# this step (golive ends the step's whole process group when the step ends);
# with its stdio on the log file it holds none of the step's pipes open.
STATE_DIR="$STATE" PORT="$PORT" setsid node "$RELEASES/current/service.mjs" >> "$LOGFILE" 2>&1 < /dev/null &
started=$!

# The service writes its pid file once it listens.
for _ in $(seq 100); do
  pid="$(service_pid)"
  if [ -n "$pid" ]; then
    log "webshop $(cat "$RELEASES/current/VERSION") running (pid $pid)"
    exit 0
  fi
  if ! kill -0 "$started" 2>/dev/null; then
    tail -n 5 "$LOGFILE" >&2
    die "webshop exited during start (log: $LOGFILE)"
  fi
  sleep 0.1
done
die "webshop did not listen within 10 s (log: $LOGFILE)"

#!/usr/bin/env bash
# Stop the service. With --purge, also delete everything setup.sh and the
# runbook created under $state_dir.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

"$WEBSHOP_DIR/stop.sh"
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$RELEASES" "$BACKUPS"
  rm -f "$DB" "$DB.tmp" "$CONFIG" "$CONFIG.tmp" "$CONFIG.previous" "$LOGFILE"
  rmdir "$STATE" 2>/dev/null || true
  log "removed the webshop state under $STATE"
fi

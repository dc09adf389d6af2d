#!/usr/bin/env bash
# Pre-deployment backup: copy the database, the config and the current release
# pointer into backups/<id>/, record <id> in backups/LAST, and write
# `backup_id=<id>` to $GOLIVE_OUTPUT (to stdout when run by hand).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ -f "$DB" ] || die "no database at $DB (run setup.sh first)"
id="$(date -u +%Y%m%dT%H%M%SZ)-$$"
dir="$BACKUPS/$id"
mkdir -p "$dir"
cp "$DB" "$dir/db.json"
cp "$CONFIG" "$dir/config.json"
current_release > "$dir/release"
echo "$id" > "$BACKUPS/LAST"
log "backup $id: release $(cat "$dir/release"), schema $(json_get "$dir/db.json" schema)"
if [ -n "${GOLIVE_OUTPUT:-}" ]; then
  echo "backup_id=$id" >> "$GOLIVE_OUTPUT"
else
  echo "backup_id=$id"
fi

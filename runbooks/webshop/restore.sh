#!/usr/bin/env bash
# Restore the database from a backup made by backup.sh: restore.sh <backup_id>.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

id="${1:?usage: restore.sh <backup_id>}"
source_db="$BACKUPS/$id/db.json"
[ -f "$source_db" ] || die "no backup $id under $BACKUPS"
cp "$source_db" "$DB.tmp"
mv "$DB.tmp" "$DB"
log "database restored from backup $id (schema $(json_get "$DB" schema))"

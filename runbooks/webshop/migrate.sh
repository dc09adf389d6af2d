#!/usr/bin/env bash
# Migrate the database (db.json) one schema version.
#   migrate.sh up       apply the next migration (schema N -> N+1)
#   migrate.sh down     revert the last migration (schema N -> N-1)
#   migrate.sh current  print the current schema version
# The runbook rolls a migration back with restore.sh rather than `down`: a
# restore also brings back data the new schema may have rewritten.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ -f "$DB" ] || die "no database at $DB (run setup.sh first)"
case "${1:-}" in
  up)
    before="$(json_get "$DB" schema)"
    json_edit "$DB" 'data.schema += 1; data.migrations.push(`${String(data.schema).padStart(3, "0")}-applied-${new Date().toISOString()}`)'
    log "schema $before -> $(json_get "$DB" schema)"
    ;;
  down)
    before="$(json_get "$DB" schema)"
    [ "$before" -gt 1 ] || die "schema $before has nothing to revert"
    json_edit "$DB" 'data.schema -= 1; data.migrations.pop()'
    log "schema $before -> $(json_get "$DB" schema)"
    ;;
  current)
    json_get "$DB" schema
    ;;
  *)
    die "usage: migrate.sh up | down | current"
    ;;
esac

#!/usr/bin/env bash
# After a rollback: prove the live system matches the last pre-deployment
# backup (backups/LAST): the same release is current and served, and the
# database and config are byte for byte the backed-up ones.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

id="$(cat "$BACKUPS/LAST" 2>/dev/null)" || die "no backup recorded in $BACKUPS/LAST"
backup="$BACKUPS/$id"
release="$(cat "$backup/release")"
[ "$(current_release)" = "$release" ] || die "releases/current is $(current_release); backup $id recorded $release"
cmp -s "$DB" "$backup/db.json" || die "the database differs from backup $id"
cmp -s "$CONFIG" "$backup/config.json" || die "the config differs from backup $id"
flow="$(json_get "$CONFIG" checkout_flow)"
"$WEBSHOP_DIR/http-get.sh" /health "\"checkout_flow\":\"$flow\"" > /dev/null
"$WEBSHOP_DIR/health.sh" "$release" > /dev/null
log "restored to backup $id: release $release served, schema $(json_get "$DB" schema), checkout_flow $flow"

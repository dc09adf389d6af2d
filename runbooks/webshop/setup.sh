#!/usr/bin/env bash
# Prepare the world before the release: a fresh state under $state_dir with
# release 2.3.0 deployed (or the version given as argument), the database at
# schema 3, the classic checkout, and the service running on $port.
#   state_dir=/tmp/webshop port=18081 runbooks/webshop/setup.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

version="${1:-2.3.0}"
"$WEBSHOP_DIR/stop.sh"
rm -rf "$RELEASES" "$BACKUPS"
rm -f "$DB" "$CONFIG" "$CONFIG.previous" "$LOGFILE"
mkdir -p "$STATE"
cat > "$DB" <<'JSON'
{
  "schema": 3,
  "migrations": ["001-users", "002-orders", "003-carts"],
  "users": [
    { "id": 1, "name": "ana" },
    { "id": 2, "name": "li" },
    { "id": 3, "name": "sam" }
  ]
}
JSON
cat > "$CONFIG" <<JSON
{
  "release": "$version",
  "checkout_flow": "classic"
}
JSON
"$WEBSHOP_DIR/deploy.sh" "$version"
"$WEBSHOP_DIR/restart.sh"
"$WEBSHOP_DIR/health.sh" "$version"

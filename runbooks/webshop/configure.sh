#!/usr/bin/env bash
# Update the service configuration (config.json; read by the service at start).
#   configure.sh apply <release> <checkout_flow>  write the new config, keeping
#                                                 the old one as config.json.previous
#   configure.sh revert                           put config.json.previous back
#   configure.sh get <key>                        print one setting
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ -f "$CONFIG" ] || die "no config at $CONFIG (run setup.sh first)"
case "${1:-}" in
  apply)
    release="${2:?usage: configure.sh apply <release> <checkout_flow>}"
    flow="${3:?usage: configure.sh apply <release> <checkout_flow>}"
    # Re-applying the same release keeps the config it replaced the first time.
    if [ "$(json_get "$CONFIG" release)" != "$release" ]; then
      cp "$CONFIG" "$CONFIG.previous"
    fi
    CFG_RELEASE="$release" CFG_FLOW="$flow" \
      json_edit "$CONFIG" 'data.release = process.env.CFG_RELEASE; data.checkout_flow = process.env.CFG_FLOW'
    log "config: release $release, checkout_flow $flow"
    ;;
  revert)
    if [ -f "$CONFIG.previous" ]; then
      mv "$CONFIG.previous" "$CONFIG"
      log "config reverted to release $(json_get "$CONFIG" release), checkout_flow $(json_get "$CONFIG" checkout_flow)"
    else
      log "no previous config: nothing to revert"
    fi
    ;;
  get)
    json_get "$CONFIG" "${2:?usage: configure.sh get <key>}"
    ;;
  *)
    die "usage: configure.sh apply <release> <checkout_flow> | revert | get <key>"
    ;;
esac

#!/usr/bin/env bash
# Deploy application code.
#   deploy.sh <version>   install releases/<version>/ (the service code and a
#                         VERSION file) and switch the releases/current symlink
#                         to it atomically, remembering the release it replaced
#                         in releases/PREVIOUS
#   deploy.sh --previous  switch releases/current back to releases/PREVIOUS
# Neither restarts the service: the running process keeps serving the code it
# started with until restart.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# rename(2) over the old symlink: readers see the old or the new release, never none.
switch_to() {
  ln -sfn "$1" "$RELEASES/current.new"
  mv -T "$RELEASES/current.new" "$RELEASES/current"
}

case "${1:-}" in
  --previous)
    previous="$(cat "$RELEASES/PREVIOUS" 2>/dev/null)" || die "no previous release recorded in $RELEASES/PREVIOUS"
    [ -f "$RELEASES/$previous/VERSION" ] || die "previous release $previous is not installed"
    switch_to "$previous"
    log "releases/current -> $previous (rolled back)"
    ;;
  '' | -*)
    die "usage: deploy.sh <version> | --previous"
    ;;
  *)
    version="$1"
    [[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._-]*$ ]] || die "not a version: $version"
    mkdir -p "$RELEASES/$version"
    cp "$WEBSHOP_DIR/service.mjs" "$RELEASES/$version/service.mjs"
    echo "$version" > "$RELEASES/$version/VERSION"
    current="$(current_release)"
    # A re-run of the same deployment must not forget the real previous release.
    if [ -n "$current" ] && [ "$current" != "$version" ]; then
      echo "$current" > "$RELEASES/PREVIOUS"
    fi
    switch_to "$version"
    log "releases/current -> $version${current:+ (was $current)}"
    ;;
esac

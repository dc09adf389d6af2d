# Shared settings and helpers for the webshop scripts; sourced, never run.
#
# Every script reads two settings from the environment, the names golive
# exports the runbook's vars under:
#   state_dir  where the service's releases, database, config, backups, pid
#              file and log live (relative paths are taken from the current
#              directory; default: runbooks/webshop/.state/uat)
#   port       the port the service listens on, on 127.0.0.1 (default 18080)
# The defaults match the runbook's `uat` environment, so the scripts can also
# be run by hand from any directory.

WEBSHOP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${state_dir:-$WEBSHOP_DIR/.state/uat}"
case "$STATE" in /*) ;; *) STATE="$PWD/$STATE" ;; esac
PORT="${port:-18080}"
HOST=127.0.0.1

DB="$STATE/db.json"
CONFIG="$STATE/config.json"
RELEASES="$STATE/releases"
BACKUPS="$STATE/backups"
PIDFILE="$STATE/service.pid"
LOGFILE="$STATE/service.log"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The release the `current` symlink points at, or nothing.
current_release() { readlink "$RELEASES/current" 2>/dev/null || true; }

# True when <pid> is a live webshop process. Checking the command line, not
# just `kill -0`, ignores a pid reused by another program and a zombie left
# for a parent that does not reap.
is_service_process() {
  grep -qa 'service\.mjs' "/proc/$1/cmdline" 2>/dev/null
}

# The pid of the running service, or nothing.
service_pid() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && is_service_process "$pid"; then echo "$pid"; fi
}

# GET http://$HOST:$PORT<path>: prints the body, fails unless the status is 2xx.
http_get() {
  local url="http://$HOST:$PORT$1"
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 "$url"
  else
    node -e '
      fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
        .then(async (r) => { process.stdout.write(await r.text()); if (!r.ok) { console.error(`HTTP ${r.status}`); process.exit(22); } })
        .catch((e) => { console.error(String(e.cause ?? e.message)); process.exit(7); });' "$url"
  fi
}

# Rewrite a JSON file through a node expression over `data` (atomic rename).
# Usage: json_edit FILE 'data.schema += 1'
json_edit() {
  node -e '
    const fs = require("node:fs");
    const [file, expr] = process.argv.slice(1);
    const data = JSON.parse(fs.readFileSync(file, "utf8"));
    new Function("data", expr)(data);
    fs.writeFileSync(file + ".tmp", JSON.stringify(data, null, 2) + "\n");
    fs.renameSync(file + ".tmp", file);' "$1" "$2"
}

# Print one field of a JSON file. Usage: json_get FILE schema
json_get() {
  node -e 'const d = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); console.log(d[process.argv[2]] ?? "")' "$1" "$2"
}

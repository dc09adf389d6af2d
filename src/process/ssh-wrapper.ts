/**
 * What golive sends to a remote host for one command. The remote side gets
 * one fixed command line, the same for every command (REMOTE_COMMAND_LINE):
 * a `sh` that reads a length line and then exactly that many bytes from
 * stdin, and evaluates them. Those bytes (the payload, built by
 * `remotePayload`) carry everything that may be secret: the command text,
 * its environment, the shell to use. So nothing of the runbook is on a
 * command line on either side: not in ssh's argv here, not in sshd's or the
 * remote shell's there.
 *
 * After the payload, golive keeps ssh's stdin open and sends nothing more,
 * except `term` and `kill` to stop the command. The wrapper runs the command
 * in its own session and process group (setsid), with stdin from /dev/null,
 * and a watcher reads the rest of stdin: `term` SIGTERMs the command's group,
 * `kill` SIGKILLs it, and end of input (golive and its ssh client died, or
 * the connection dropped) SIGTERMs it, then SIGKILLs it after the grace.
 * That is what stops a remote command's whole tree, which sshd without a
 * terminal never does.
 *
 * The wrapper reports on stderr, in lines that start with a random token the
 * command cannot know (ssh-report.ts takes them out of the output):
 * `started` as it launches the command (before, so that golive hears of it
 * before the command can do anything), `setup <message>` when it cannot start,
 * and at the end `exit <status>` followed by the command's `$GOLIVE_OUTPUT`
 * file, if any. ssh's own exit status is not enough: 255 means both "ssh
 * failed" and "the command exited 255".
 *
 * The remote host needs a POSIX `sh`, `head -c`, `mktemp -d` and `setsid`
 * (util-linux or busybox): any Linux host has them.
 */

import { randomBytes } from 'node:crypto';
import { shellFlags } from './script-file.js';
import type { CommandSpec } from './types.js';

/**
 * The whole remote command line, identical for every command. It is handed to
 * the remote user's login shell; `exec sh -c '…'` reads the same in sh,
 * bash, zsh, fish and csh, and the quoted part contains no `'`.
 */
export const REMOTE_COMMAND_LINE = `exec sh -c 'IFS= read -r golive_bytes && eval "$(head -c "$golive_bytes")"'`;

/** Environment names a POSIX shell can `export`; others cannot reach the remote command. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What ssh's stdin carries for one command: the length line and the payload. */
export interface RemoteInput {
  /** The bytes to write to ssh's stdin first (length line + payload). */
  bytes: Buffer;
  /** The token that starts every line the wrapper reports on stderr. */
  token: string;
}

/** The line golive writes to ssh's stdin to stop the command: SIGTERM to its group. */
export const TERMINATE_REQUEST = 'term\n';
/** The line golive writes to ssh's stdin to stop the command now: SIGKILL to its group. */
export const KILL_REQUEST = 'kill\n';

/**
 * Builds the stdin for one remote command; returns a reason instead when the
 * spec cannot be run remotely (a NUL byte, an environment name no shell takes).
 */
export function remoteInput(spec: CommandSpec, graceMs: number): RemoteInput | { refused: string } {
  if (spec.command.includes('\0')) return { refused: 'the command contains null bytes, which no shell can take' };
  for (const [name, value] of Object.entries(spec.env)) {
    if (!SHELL_NAME.test(name)) return { refused: `the environment variable name \`${name}\` cannot be passed to a remote shell (use letters, digits and _)` };
    if (value.includes('\0')) return { refused: `the environment variable ${name} contains null bytes` };
  }
  const token = `golive-${randomBytes(16).toString('hex')}`;
  const payload = Buffer.from(remotePayload(spec, token, graceMs), 'utf8');
  return { bytes: Buffer.concat([Buffer.from(`${payload.length}\n`), payload]), token };
}

/** A shell word holding `value` literally. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Seconds for `sleep`, from milliseconds (GNU and busybox sleep take fractions). */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/**
 * The script the remote `sh` evaluates. Its own variables are prefixed
 * `golive_` and not exported; the command's environment is exported only in
 * the subshell that becomes the command, after its command line is set, so
 * no variable of the runbook can change what the wrapper does (a var named
 * `golive_dir` or `IFS`, say).
 * printf is a builtin in every sh, so the command text it writes to the
 * private directory never appears in a process's argv; the directory is
 * mktemp's 0700, so the command keeps the login's umask. sh starts a
 * background job with SIGINT and SIGQUIT ignored, which the command and
 * everything it starts would inherit: where env can (coreutils 8.31 and
 * later), it restores their defaults, so the command starts as it would from
 * a plain ssh session.
 */
export function remotePayload(spec: CommandSpec, token: string, graceMs: number): string {
  const shellCommand = [spec.shell, ...shellFlags(spec.shell)].map(shellQuote).join(' ');
  // With captureOutputs, $GOLIVE_OUTPUT is the wrapper's (as locally, where it overrides the spec's env).
  const exports = Object.entries(spec.env)
    .filter(([name]) => !(spec.captureOutputs && name === 'GOLIVE_OUTPUT'))
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  return `golive_report() { printf '%s %s\\n' ${shellQuote(token)} "$1" >&2; }
golive_setup_failed() { golive_report "setup $1"; [ -n "\${golive_dir:-}" ] && rm -rf "$golive_dir"; exit 1; }
command -v setsid >/dev/null 2>&1 || golive_setup_failed 'the host has no setsid (util-linux), which golive needs to stop remote commands'
command -v ${shellQuote(spec.shell)} >/dev/null 2>&1 || golive_setup_failed ${shellQuote(`the shell ${spec.shell} was not found`)}
golive_dir=$(mktemp -d "\${TMPDIR:-/tmp}/golive.XXXXXXXX") || golive_setup_failed 'cannot create a private directory with mktemp -d'
printf '%s' ${shellQuote(spec.command)} > "$golive_dir/command" || golive_setup_failed 'cannot write the command to its private directory'
set --
env --default-signal=INT,QUIT true 2>/dev/null && set -- env --default-signal=INT,QUIT
exec 3<&0
golive_report started
(
  set -- "$@" setsid ${shellCommand} "$golive_dir/command"
  ${spec.captureOutputs ? 'export GOLIVE_OUTPUT="$golive_dir/output"' : 'unset GOLIVE_OUTPUT'}
${exports.map((line) => `  ${line}`).join('\n')}
  exec "$@"
) </dev/null 3<&- &
golive_group=$!
(
  while IFS= read -r golive_line <&3; do
    case $golive_line in
      term) kill -TERM -$golive_group ;;
      kill) kill -KILL -$golive_group; exit 0 ;;
    esac
  done
  exec 3<&-
  kill -TERM -$golive_group || exit 0
  sleep ${seconds(graceMs)}
  kill -KILL -$golive_group
) </dev/null >/dev/null 2>&1 &
golive_watcher=$!
exec 3<&-
trap '' PIPE HUP
wait $golive_group 2>/dev/null
golive_status=$?
golive_waited=0
while [ $golive_waited -lt 4 ] && kill -0 -$golive_group 2>/dev/null; do sleep 0.05; golive_waited=$((golive_waited + 1)); done
kill -KILL -$golive_group 2>/dev/null
kill $golive_watcher 2>/dev/null
golive_report "exit $golive_status"
[ -f "$golive_dir/output" ] && cat "$golive_dir/output" >&2
rm -rf "$golive_dir"
exit $golive_status
`;
}

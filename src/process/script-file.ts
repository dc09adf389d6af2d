/**
 * How a command's text reaches its shell without being on any command line.
 *
 * A rendered command holds `{{ secrets.X }}` values, and every local user can
 * read every process's argv in `/proc/<pid>/cmdline`. So the text goes into a
 * file created 0600 in a private directory and unlinked at once, before the
 * shell starts: the file has a name for the few microseconds between
 * `open` and `unlink`, then exists only as golive's open descriptor. The
 * shell opens that descriptor by path (`bash -e -o pipefail /proc/<golive
 * pid>/fd/<n>` on Linux) and runs it as a script. A `kill -9` of golive
 * closes the descriptor, and the kernel frees the text when the shell is done
 * with it: nothing is left on disk.
 *
 * Chosen over a pipe: Node's `stdio: 'pipe'` is a socket, which a shell
 * cannot open as `/dev/fd/N`, and Node cannot make a real pipe. Chosen over
 * `/dev/fd/3` on Linux: an inherited descriptor would be open in every
 * process the step starts (LVM, for one, warns about leaked descriptors);
 * opening golive's own descriptor through /proc leaves the step's processes
 * exactly the descriptors they had with `-c`. macOS has no /proc: there the
 * descriptor is inherited as fd 3 and the shell opens `/dev/fd/3`.
 */

import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureDirectory } from './directories.js';
import type { CommandSpec } from './types.js';

/** A command text held in an unlinked file, ready to hand to a shell. */
export interface ScriptFile {
  /** The shell's arguments: its flags and the path it opens the script by. */
  args: string[];
  /** Descriptors the child inherits beyond stdin/stdout/stderr (fd 3 on macOS; none on Linux). */
  extraStdio: number[];
  /** Close golive's descriptor (once the shell has exited, or never started). */
  close(): void;
}

/** Names the short-lived files apart within one golive process. */
let counter = 0;

/** Opening our own descriptor through /proc needs Linux's /proc/<pid>/fd. */
const viaProc = process.platform === 'linux';

/**
 * Writes `command` to a fresh 0600 file in `dir` (created 0700 if missing;
 * `fallbackDir` when `dir` cannot be made, e.g. a log directory that cannot
 * be written: the file has a name for microseconds only), unlinks it, and
 * returns how the shell reaches it. Throws when neither works (the caller
 * reports that as "could not start").
 */
export function createScriptFile(dir: string, shell: string, command: string, fallbackDir?: string): ScriptFile {
  try {
    return writeUnlinked(dir, shell, command);
  } catch (error) {
    if (fallbackDir === undefined || fallbackDir === dir) throw error;
    return writeUnlinked(fallbackDir, shell, command);
  }
}

function writeUnlinked(dir: string, shell: string, command: string): ScriptFile {
  ensureDirectory(dir);
  counter += 1;
  const path = join(dir, `.golive-script-${process.pid}-${counter}`);
  // `wx+`: never follow or reuse a file someone else put at that name; read
  // access is needed on macOS, where the shell shares this very descriptor.
  const fd = openSync(path, 'wx+', 0o600);
  try {
    unlinkSync(path);
    writeSync(fd, command, 0, 'utf8');
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  return {
    args: [...shellFlags(shell), viaProc ? `/proc/${process.pid}/fd/${fd}` : '/dev/fd/3'],
    extraStdio: viaProc ? [] : [fd],
    close() {
      if (!open) return;
      open = false;
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    },
  };
}

/**
 * Where a command's script file is made (and unlinked at once): the run's
 * private log directory when there is one, else the system temp directory.
 */
export function scriptDirectory(spec: Pick<CommandSpec, 'logPath' | 'outputsPath'>): string {
  if (spec.logPath !== undefined) return dirname(spec.logPath);
  if (spec.outputsPath !== undefined) return dirname(spec.outputsPath);
  return tmpdir();
}

/**
 * The flags each shell gets before the script path: `bash -e -o pipefail`,
 * `sh -e`, and nothing for other shells (which must take a script path as
 * their first argument, as zsh, ksh, dash and python3 do).
 */
export function shellFlags(shell: string): string[] {
  if (shell === 'bash') return ['-e', '-o', 'pipefail'];
  if (shell === 'sh') return ['-e'];
  return [];
}

/**
 * Reading a secret from a `file:` source without ever blocking or filling
 * memory: the path is looked at (stat) before it is opened, so a FIFO, a
 * device such as /dev/zero, a directory or an oversized file is refused
 * with its kind named, within a second, instead of hanging or growing
 * golive to gigabytes.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';

/** A secret is a password, token or key: 64 KiB is far beyond any, and keeps `NAME=value` well under MAX_ARG_STRLEN. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Why the file at `path` cannot be a secret source, from its metadata alone; undefined when it can (or when it does not exist). */
export function secretFileKindProblem(path: string): string | undefined {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    return undefined; // missing or unreadable: told when the secret is read
  }
  return kindProblem(stat);
}

/** The secret's value (a trailing newline removed), or why it cannot be read. */
export function readSecretFile(path: string): { value: string } | { problem: string } {
  let fd: number;
  try {
    const kind = kindProblem(statSync(path));
    if (kind) return { problem: kind };
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? (error as Error).message})` };
  }
  try {
    const kind = kindProblem(fstatSync(fd));
    if (kind) return { problem: kind };
    // Read one byte past the bound, so a file that grew since the stat is still refused.
    const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_SECRET_FILE_BYTES) return { problem: tooLarge(length, '>') };
    const text = buffer.subarray(0, length).toString('utf8');
    if (text.includes('\0')) return { problem: 'contains a NUL byte, which no process can receive' };
    // A trailing newline is an editor artefact, never part of a password.
    return { value: text.replace(/\r?\n$/, '') };
  } catch (error) {
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

function kindProblem(stat: Stats): string | undefined {
  if (stat.isDirectory()) return 'is a directory, not a file';
  if (stat.isFIFO()) return 'is a FIFO (named pipe), not a file: golive does not wait on it';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'is a device, not a file';
  if (stat.isSocket()) return 'is a socket, not a file';
  if (!stat.isFile()) return 'is not a regular file';
  if (stat.size > MAX_SECRET_FILE_BYTES) return tooLarge(stat.size, '');
  return undefined;
}

function tooLarge(bytes: number, more: string): string {
  return `is ${more}${bytes} bytes; a secret file may hold at most ${MAX_SECRET_FILE_BYTES} bytes (64 KiB)`;
}

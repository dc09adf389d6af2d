/**
 * The launcher `bin/golive.js` starts: it answers `--version` itself and
 * otherwise runs the application bundle (one CommonJS file, built by
 * scripts/bundle.mjs) with a V8 code cache.
 *
 * Why: compiling golive's JavaScript was most of the start-up of every
 * journal command (status, history, estimate: 60 ms of module loading against
 * 80 ms for `node -e 0` on a small machine). Node 20 has no code cache for ES
 * modules, but `vm.Script` takes one: the first run of a command compiles as
 * usual and leaves what V8 compiled in a cache file; later runs of that
 * command start from it. Node 22's `module.enableCompileCache()` does the same.
 *
 * The cache is an optimisation only: a missing, unreadable, stale or rejected
 * cache costs a normal compile, and nothing here ever fails a command. It
 * lives in the user's own cache directory (`$XDG_CACHE_HOME/golive` or
 * `~/.cache/golive`, private to the user; `GOLIVE_COMPILE_CACHE=off` turns it
 * off, a path moves it). A directory another user could write to is not used:
 * its contents become code that runs. Each build leaves its own files (about
 * 8 MB for all commands); when a command writes a new one, files of other
 * builds untouched for 30 days are deleted (see pruneOldBuilds).
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { goliveVersion } from './version.js';

/** The application bundle's file name beside this one, with its content hash (set by scripts/bundle.mjs). */
declare const GOLIVE_APP_FILE: string;

type App = { main(argv: string[]): Promise<void> };

/** How this build's cache files begin: `app-<bundle hash>-`; then the Node key and the command. */
const THIS_BUILD = `${GOLIVE_APP_FILE.replace(/\.cjs$/, '')}-`;
/** Any build's cache file, or the temporary file it is written to. */
const CACHE_FILE_NAME = /^app-[0-9a-f]{16}-[0-9a-f]{8}-[a-z-]+\.v8cache(\.\d+\.tmp)?$/;

/** Run golive with `argv` (as `process.argv`). */
export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${goliveVersion()}\n`);
    return;
  }
  await loadApp(commandName(args[0])).main(argv);
}

function loadApp(command: string): App {
  const file = join(dirname(fileURLToPath(import.meta.url)), GOLIVE_APP_FILE);
  // A wrapper like Node's own for CommonJS: the bundle sees require, module and __filename.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readApp(file)}\n})`;
  const cacheFile = cacheFileFor(command);
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile);
  const script = new Script(source, { filename: file, cachedData });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected))
    // At exit V8 has compiled what this command used: that is what the next run of it needs.
    process.once('exit', () => writeCache(cacheFile, () => script.createCachedData()));
  const module = { exports: {} as App };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** The bundle's text; missing, it is reported like a missing launcher (bin/golive.js says to build). */
function readApp(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw Object.assign(new Error(`${file} is missing`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
}

/** Commands load different parts of the bundle, so each keeps its own cache. */
function commandName(first: string | undefined): string {
  return first !== undefined && /^[a-z][a-z-]{0,30}$/.test(first) ? first : 'other';
}

/** The cache file for this bundle, command and Node (V8 refuses a cache from another version or other flags; the key keeps them apart). */
function cacheFileFor(command: string): string | undefined {
  const dir = cacheDirectory();
  if (dir === undefined) return undefined;
  const node = hashText(`${process.version}|${process.arch}|${process.execArgv.join(' ')}|${process.env.NODE_OPTIONS ?? ''}`);
  return join(dir, `${THIS_BUILD}${node}-${command}.v8cache`);
}

function cacheDirectory(): string | undefined {
  const setting = process.env.GOLIVE_COMPILE_CACHE;
  if (setting === 'off' || setting === '0') return undefined;
  try {
    const dir = setting || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'golive');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    const ownedByUs = process.getuid === undefined || stat.uid === process.getuid();
    return stat.isDirectory() && ownedByUs && (stat.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

function readCache(file: string): Buffer | undefined {
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stat = fstatSync(fd);
      if (process.getuid !== undefined && stat.uid !== process.getuid()) return undefined;
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

const DAY_MS = 86_400_000;
/** Cache files of other builds older than this are deleted; a build still in use rewrites its files only when they are rejected, so its files may be old too: it then pays one compile per command. */
const PRUNE_AFTER_MS = 30 * DAY_MS;
/** Left by a process killed between writing and renaming. */
const TEMPORARY_AFTER_MS = DAY_MS;

/** Leaves this command's new cache file, then clears out what other builds left. */
function writeCache(file: string, data: () => Buffer): void {
  writeWhole(file, data);
  pruneOldBuilds(dirname(file));
}

/**
 * Deletes other builds' cache files not modified for PRUNE_AFTER_MS, and
 * temporary files left for a day. Runs only when a cache file was just
 * written (a new build, Node or command), so a normal start reads no folder.
 * Only the user's own regular files named as golive names them are touched.
 */
function pruneOldBuilds(dir: string): void {
  const now = Date.now();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = CACHE_FILE_NAME.exec(name);
    if (match === null) continue;
    const temporary = match[1] !== undefined;
    if (!temporary && name.startsWith(THIS_BUILD)) continue;
    try {
      const stat = lstatSync(join(dir, name));
      const ours = process.getuid === undefined || stat.uid === process.getuid();
      if (stat.isFile() && ours && now - stat.mtimeMs > (temporary ? TEMPORARY_AFTER_MS : PRUNE_AFTER_MS)) unlinkSync(join(dir, name));
    } catch {
      // gone already, or not ours to delete: the cache is an optimisation only
    }
  }
}

/** Written whole or not at all (a temporary file renamed over), so a reader never sees half a cache. */
function writeWhole(file: string, data: () => Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeFileSync(fd, data());
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {}
  }
}

/** FNV-1a, 32 bits: a short stable key (loading node:crypto would cost more than the hash is worth here). */
function hashText(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

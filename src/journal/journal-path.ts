/**
 * Where the audit journal lives. One rule, found the way git finds `.git`:
 * a runbook's journal is `.golive/golive.db` at the root of its project (the
 * repository holding the runbook, or the runbook's own directory when it is
 * in none), so every operator of that runbook on a machine writes to the
 * same journal whatever their working directory. Commands that read the
 * journal find it from any directory inside the project. A project may name
 * its journal once for everyone in `.golive/config` (`journal = postgres://…`:
 * a team's shared server). `--db` and `GOLIVE_DB` (relative to the working
 * directory) always win over it; a server URL (`postgres://…`) is passed on
 * untouched.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { JournalError, UsageError } from '../errors.js';

/** True for a location that names a journal on a database server (a PostgreSQL URL), not a file. */
export function isServerLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/**
 * A journal location fit to print: a server URL with its password (in the
 * user part or a `password=` parameter) replaced by `***`; a path unchanged.
 * Every message, event and advice line that names a journal uses it.
 */
export function printableLocation(location: string): string {
  if (!isServerLocation(location)) return location;
  let masked = location;
  try {
    const parsed = new URL(location);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    masked = parsed.toString();
  } catch {
    // Not a WHATWG URL (libpq accepts a few more forms): mask by pattern below.
  }
  return masked.replace(/(\/\/[^:/?#@]*:)[^@/?#]*@/, '$1***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The journal's place inside a project directory. */
export const JOURNAL_IN_PROJECT = join('.golive', 'golive.db');

/** The project's settings file, beside where its journal file would be. */
export const SETTINGS_IN_PROJECT = join('.golive', 'config');

/**
 * The journal a project directory's `.golive/config` names, if it has one:
 * `journal = <url or path>` (a path relative to the project directory),
 * `#` comments, one setting per line.
 * @throws UsageError (exit 2) naming the file and line of a line it cannot read.
 */
export function projectJournalSetting(projectDir: string): string | undefined {
  const file = join(projectDir, SETTINGS_IN_PROJECT);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`cannot read ${file}: ${code ?? (error as Error).message}`, 'make it readable, or remove it to use the default journal');
  }
  let journal: string | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const setting = /^([A-Za-z_][\w-]*)\s*=\s*(.*)$/.exec(line);
    const where = `${file}:${index + 1}`;
    if (!setting) throw new UsageError(`${where}: not a setting: ${raw.trim()}`, 'write one setting per line, as journal = postgres://user@host/database');
    const [, key, value] = setting;
    if (key !== 'journal') throw new UsageError(`${where}: unknown setting ${key}`, 'the one setting is journal = <postgres:// URL or path>');
    const unquoted = /^(["'])(.*)\1$/.exec(value)?.[2] ?? value;
    if (unquoted === '') throw new UsageError(`${where}: journal has no value`, 'write journal = postgres://user@host/database, or a path');
    journal = isServerLocation(unquoted) ? unquoted : resolve(projectDir, unquoted);
  }
  return journal;
}

/** Where the journal is looked for, as the commands see it. */
export interface JournalLocation {
  /** `--db`, when given. */
  flag?: string;
  /** The working directory (relative `--db` / `GOLIVE_DB` and discovery start here). */
  cwd: string;
  /** The environment (`GOLIVE_DB`). */
  env: NodeJS.ProcessEnv;
}

/** What the read commands' search found. */
export interface JournalSearch {
  /** The journal to use: the one found, else where it would be (the project root's). */
  path: string;
  /** Whether a file exists at `path`. */
  found: boolean;
  /** Every candidate looked at, nearest first (just `path` for `--db` / `GOLIVE_DB`). */
  searched: string[];
  /** True when `--db`, `GOLIVE_DB` or the project's `.golive/config` named the journal: it is used whether it exists or not. */
  explicit: boolean;
}

/**
 * The project a directory belongs to: the nearest directory at or above it
 * that holds `.git` (a directory, or the file of a worktree or submodule),
 * else null.
 */
export function repositoryRootOf(dir: string): string | null {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return null;
  }
}

/**
 * The journal named by `--db` or `GOLIVE_DB`: a path resolved against the
 * working directory, a server URL as given; undefined when neither is set.
 */
function explicitJournal(location: JournalLocation): string | undefined {
  const named = location.flag || location.env.GOLIVE_DB;
  if (!named) return undefined;
  return isServerLocation(named) ? named : resolve(location.cwd, named);
}

/** The project a runbook belongs to: its repository root, or its own directory when it is in none. */
export function projectOfRunbook(runbookPath: string, cwd: string): string {
  const runbookDir = dirname(resolve(cwd, runbookPath));
  return repositoryRootOf(runbookDir) ?? runbookDir;
}

/**
 * The journal a command that executes `runbookPath` writes to: `--db`,
 * `GOLIVE_DB`, else the one its project's `.golive/config` names, else
 * `.golive/golive.db` at the runbook's project (see `projectOfRunbook`).
 */
export function journalForRunbook(runbookPath: string, location: JournalLocation): string {
  const explicit = explicitJournal(location);
  if (explicit !== undefined) return explicit;
  const project = projectOfRunbook(runbookPath, location.cwd);
  return projectJournalSetting(project) ?? join(project, JOURNAL_IN_PROJECT);
}

/**
 * The journal a read command uses: `--db`, `GOLIVE_DB`, else walking up from
 * the working directory to the repository root (a journal above it belongs
 * to another project), the nearest `.golive/` that names one in its
 * `config` or holds a `golive.db`.
 */
export function findJournal(location: JournalLocation): JournalSearch {
  const explicit = explicitJournal(location);
  // A server journal is there for all the search can tell: opening it asks the server.
  if (explicit !== undefined) return { path: explicit, found: isServerLocation(explicit) || existsSync(explicit), searched: [explicit], explicit: true };
  const start = resolve(location.cwd);
  const root = repositoryRootOf(start);
  const searched: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    const setting = projectJournalSetting(dir);
    // Named by the project: used as if given with --db, whether or not it exists yet.
    if (setting !== undefined) return { path: setting, found: isServerLocation(setting) || existsSync(setting), searched: [setting], explicit: true };
    const candidate = join(dir, JOURNAL_IN_PROJECT);
    searched.push(candidate);
    if (existsSync(candidate)) return { path: candidate, found: true, searched, explicit: false };
    if (dir === root || dirname(dir) === dir) break;
  }
  return { path: join(root ?? start, JOURNAL_IN_PROJECT), found: false, searched, explicit: false };
}

/**
 * The journal a read command (history, status, show, report, audit,
 * rollback, resume) uses: `--db`, `GOLIVE_DB`, else the one found walking up
 * from the working directory.
 *
 * @throws JournalError saying where it looked when nothing names or finds one.
 */
export function dbPathFor(flag?: string): string {
  const search = findJournal({ flag, cwd: process.cwd(), env: process.env });
  if (!search.found && !search.explicit) throw journalNotFound(search);
  return search.path;
}

/** The error of a search that found no journal: where it looked, and how to name one. */
export function journalNotFound(search: JournalSearch): JournalError {
  if (search.explicit) return new JournalError(`no audit journal at ${search.path}`, 'name an existing journal with --db or GOLIVE_DB');
  const [nearest] = search.searched;
  const farthest = search.searched.at(-1)!;
  const where =
    search.searched.length === 1 ? dirname(dirname(nearest)) : `${dirname(dirname(nearest))} and every directory up to ${dirname(dirname(farthest))}`;
  return new JournalError(
    `no audit journal found: looked for ${JOURNAL_IN_PROJECT} in ${where}`,
    'run golive from inside the project of the runbook that was run (the journal is at its repository root, or next to the runbook), or name the journal with --db <path> or GOLIVE_DB',
  );
}

/**
 * The `--db <path>` a printed follow-up command needs to reach `journal`
 * from the working directory; '' when the search from there finds it anyway.
 */
export function journalFlagFor(journal: string, location: Omit<JournalLocation, 'flag'>): string {
  const search = findJournal(location);
  // Compared as printed: a server journal may be given with its password masked (Journal.location).
  if (search.found && printableLocation(search.path) === printableLocation(journal)) return '';
  return `--db ${shellWord(printableLocation(journal))}`;
}

/** `text` as one shell word: unchanged when it is plain, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

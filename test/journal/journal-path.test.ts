import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalError, UsageError } from '../../src/errors.ts';
import {
  findJournal,
  isServerLocation,
  journalFlagFor,
  journalForRunbook,
  journalNotFound,
  printableLocation,
  projectJournalSetting,
  repositoryRootOf,
} from '../../src/journal/journal-path.ts';
import { journalExists, openJournal, openServerJournal } from '../../src/journal/open.ts';

const scratch: string[] = [];
afterAll(() =>
  scratch.forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);

/** A temp tree: `<root>/repo` (with a .git directory) holding `runbooks/deep`, and `<root>/plain` outside any repository. */
function tree() {
  const root = mkdtempSync(join(tmpdir(), 'golive-journal-path-'));
  scratch.push(root);
  const repo = join(root, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'runbooks', 'deep'), { recursive: true });
  mkdirSync(join(root, 'plain', 'sub'), { recursive: true });
  const journalIn = (dir: string) => {
    mkdirSync(join(dir, '.golive'), { recursive: true });
    writeFileSync(join(dir, '.golive', 'golive.db'), '');
    return join(dir, '.golive', 'golive.db');
  };
  return { root, repo, plain: join(root, 'plain'), journalIn };
}

const noEnv = {};

describe('journalForRunbook', () => {
  it('is .golive/golive.db at the repository root of the runbook, whatever the working directory', () => {
    const t = tree();
    const expected = join(t.repo, '.golive', 'golive.db');
    expect(journalForRunbook(join(t.repo, 'runbooks', 'deep', 'x.yaml'), { cwd: t.plain, env: noEnv })).toBe(expected);
    expect(journalForRunbook('runbooks/x.yaml', { cwd: t.repo, env: noEnv })).toBe(expected);
  });

  it('is beside the runbook when it is in no repository', () => {
    const t = tree();
    expect(journalForRunbook(join(t.plain, 'sub', 'x.yaml'), { cwd: t.repo, env: noEnv })).toBe(join(t.plain, 'sub', '.golive', 'golive.db'));
  });

  it('counts a .git file (a worktree or submodule) as a repository root', () => {
    const t = tree();
    writeFileSync(join(t.plain, '.git'), 'gitdir: /elsewhere\n');
    expect(repositoryRootOf(join(t.plain, 'sub'))).toBe(t.plain);
    expect(journalForRunbook(join(t.plain, 'sub', 'x.yaml'), { cwd: t.root, env: noEnv })).toBe(join(t.plain, '.golive', 'golive.db'));
  });

  it('--db wins over GOLIVE_DB, which wins over the runbook; both relative to the working directory', () => {
    const t = tree();
    const runbook = join(t.repo, 'x.yaml');
    expect(journalForRunbook(runbook, { flag: 'a.db', cwd: t.plain, env: { GOLIVE_DB: 'b.db' } })).toBe(join(t.plain, 'a.db'));
    expect(journalForRunbook(runbook, { cwd: t.plain, env: { GOLIVE_DB: 'b.db' } })).toBe(join(t.plain, 'b.db'));
    expect(journalForRunbook(runbook, { cwd: t.plain, env: { GOLIVE_DB: '/var/lib/golive.db' } })).toBe('/var/lib/golive.db');
    expect(journalForRunbook(runbook, { cwd: t.plain, env: { GOLIVE_DB: '' } })).toBe(join(t.repo, '.golive', 'golive.db'));
  });
});

describe('findJournal', () => {
  it('finds the repository root journal from any directory inside the repository', () => {
    const t = tree();
    const journal = t.journalIn(t.repo);
    for (const cwd of [t.repo, join(t.repo, 'runbooks'), join(t.repo, 'runbooks', 'deep')]) {
      expect(findJournal({ cwd, env: noEnv })).toMatchObject({ path: journal, found: true, explicit: false });
    }
  });

  it('takes the nearest journal walking up', () => {
    const t = tree();
    t.journalIn(t.repo);
    const nearer = t.journalIn(join(t.repo, 'runbooks'));
    expect(findJournal({ cwd: join(t.repo, 'runbooks', 'deep'), env: noEnv }).path).toBe(nearer);
  });

  it('stops at the repository root: a journal above it belongs to another project', () => {
    const t = tree();
    t.journalIn(t.root);
    const search = findJournal({ cwd: join(t.repo, 'runbooks', 'deep'), env: noEnv });
    expect(search).toEqual({
      path: join(t.repo, '.golive', 'golive.db'),
      found: false,
      explicit: false,
      searched: [join(t.repo, 'runbooks', 'deep'), join(t.repo, 'runbooks'), t.repo].map((dir) => join(dir, '.golive', 'golive.db')),
    });
  });

  it('outside any repository walks up to the file-system root', () => {
    const t = tree();
    const journal = t.journalIn(t.plain);
    expect(findJournal({ cwd: join(t.plain, 'sub'), env: noEnv })).toMatchObject({ path: journal, found: true });
    const empty = mkdtempSync(join(tmpdir(), 'golive-journal-path-empty-'));
    scratch.push(empty);
    const search = findJournal({ cwd: empty, env: noEnv });
    expect(search.found).toBe(false);
    expect(search.searched.at(-1)).toBe('/.golive/golive.db');
  });

  it('--db and GOLIVE_DB are taken as named, found or not, and nothing is searched', () => {
    const t = tree();
    t.journalIn(t.repo);
    expect(findJournal({ flag: 'x.db', cwd: t.repo, env: { GOLIVE_DB: 'y.db' } })).toEqual({
      path: join(t.repo, 'x.db'),
      found: false,
      explicit: true,
      searched: [join(t.repo, 'x.db')],
    });
    expect(findJournal({ cwd: t.repo, env: { GOLIVE_DB: 'y.db' } })).toMatchObject({ path: join(t.repo, 'y.db'), found: false, explicit: true });
  });
});

describe('journalNotFound', () => {
  it('says where it looked and names --db and GOLIVE_DB', () => {
    const t = tree();
    const error = journalNotFound(findJournal({ cwd: join(t.repo, 'runbooks'), env: noEnv }));
    expect(error.exitCode).toBe(6);
    expect(error.message).toBe(`no audit journal found: looked for .golive/golive.db in ${join(t.repo, 'runbooks')} and every directory up to ${t.repo}`);
    expect(error.hint).toContain('--db <path> or GOLIVE_DB');
    expect(journalNotFound(findJournal({ cwd: t.repo, env: noEnv })).message).toBe(`no audit journal found: looked for .golive/golive.db in ${t.repo}`);
    expect(journalNotFound(findJournal({ flag: 'x.db', cwd: t.repo, env: noEnv })).message).toBe(`no audit journal at ${join(t.repo, 'x.db')}`);
  });
});

describe('journalFlagFor', () => {
  it('is empty when the search from the working directory finds the journal, else --db with the path as one shell word', () => {
    const t = tree();
    const journal = t.journalIn(t.repo);
    expect(journalFlagFor(journal, { cwd: join(t.repo, 'runbooks'), env: noEnv })).toBe('');
    expect(journalFlagFor(journal, { cwd: t.plain, env: noEnv })).toBe(`--db ${journal}`);
    expect(journalFlagFor('/srv/my journal.db', { cwd: t.plain, env: noEnv })).toBe(`--db '/srv/my journal.db'`);
    // GOLIVE_DB stays set for the next command: no flag needed.
    const named = t.journalIn(t.plain);
    expect(journalFlagFor(named, { cwd: t.repo, env: { GOLIVE_DB: named } })).toBe('');
  });
});

describe('a server journal (a PostgreSQL URL)', () => {
  const url = 'postgresql://golive:secret@db.example.com:5432/deployments?sslmode=require';

  it('passes through --db, GOLIVE_DB and discovery untouched, and is taken as found', () => {
    const t = tree();
    expect(isServerLocation(url)).toBe(true);
    expect(isServerLocation('POSTGRES://db/x')).toBe(true);
    expect(isServerLocation('postgres.db')).toBe(false);
    expect(isServerLocation(join(t.repo, 'postgres:', 'x.db'))).toBe(false);
    expect(journalForRunbook('runbooks/x.yaml', { flag: url, cwd: t.repo, env: noEnv })).toBe(url);
    expect(journalForRunbook('runbooks/x.yaml', { cwd: t.repo, env: { GOLIVE_DB: url } })).toBe(url);
    expect(findJournal({ flag: url, cwd: t.plain, env: noEnv })).toEqual({ path: url, found: true, searched: [url], explicit: true });
    expect(journalExists(url)).toBe(true);
  });

  it('opens through the one seam for server journals, which loads the PostgreSQL journal: a server not there is exit 6, the password masked', async () => {
    const unreachable = 'postgresql://golive:secret@127.0.0.1:1/deployments';
    const error = await openJournal(unreachable).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).message).toBe('cannot reach the audit journal postgresql://golive:***@127.0.0.1:1/deployments: the connection was refused');
    await expect(openServerJournal(unreachable, { readonly: true })).rejects.toThrow(JournalError);
  });

  it('is printed with its password masked, in the advice --db too', () => {
    const t = tree();
    expect(printableLocation(url)).toBe('postgresql://golive:***@db.example.com:5432/deployments?sslmode=require');
    expect(printableLocation('postgres://li@db/golive?password=hunter2')).toBe('postgres://li@db/golive?password=***');
    expect(printableLocation('postgres://db/golive')).toBe('postgres://db/golive');
    expect(printableLocation('/srv/golive.db')).toBe('/srv/golive.db');
    expect(journalFlagFor(url, { cwd: t.plain, env: noEnv })).toBe(`--db 'postgresql://golive:***@db.example.com:5432/deployments?sslmode=require'`);
    // Given as Journal.location (masked) while GOLIVE_DB holds the real URL: no flag needed.
    expect(journalFlagFor(printableLocation(url), { cwd: t.plain, env: { GOLIVE_DB: url } })).toBe('');
  });
});

describe("the project's journal setting (.golive/config)", () => {
  const configIn = (dir: string, text: string) => {
    mkdirSync(join(dir, '.golive'), { recursive: true });
    writeFileSync(join(dir, '.golive', 'config'), text);
  };

  it('reads journal = <url or path> with comments and quotes; a path is relative to the project', () => {
    const { repo } = tree();
    configIn(repo, '# shared\n\n  journal = "postgres://golive@db.example/golive"  # the team\n');
    expect(projectJournalSetting(repo)).toBe('postgres://golive@db.example/golive');
    configIn(repo, "journal = 'shared/team.db'\n");
    expect(projectJournalSetting(repo)).toBe(join(repo, 'shared', 'team.db'));
    expect(projectJournalSetting(join(repo, 'runbooks'))).toBeUndefined();
  });

  it('refuses what it cannot read, naming file and line (exit 2)', () => {
    const { repo } = tree();
    for (const [text, message] of [
      ['journal = x\ntimeout: 5\n', ':2: not a setting: timeout: 5'],
      ['jornal = postgres://db/golive\n', ':1: unknown setting jornal'],
      ['journal =\n', ':1: journal has no value'],
    ]) {
      configIn(repo, text);
      expect(() => projectJournalSetting(repo)).toThrow(UsageError);
      expect(() => projectJournalSetting(repo)).toThrow(`${join(repo, '.golive', 'config')}${message}`);
    }
  });

  it('--db > GOLIVE_DB > the setting > the default file, for run and for the read commands', () => {
    const { repo, journalIn } = tree();
    const runbook = join(repo, 'runbooks', 'deep', 'r.yaml');
    journalIn(repo);
    configIn(repo, 'journal = postgres://golive@db.example/golive\n');
    const deep = join(repo, 'runbooks', 'deep');
    expect(journalForRunbook(runbook, { cwd: deep, env: noEnv })).toBe('postgres://golive@db.example/golive');
    expect(findJournal({ cwd: deep, env: noEnv })).toMatchObject({ path: 'postgres://golive@db.example/golive', found: true, explicit: true });
    expect(journalForRunbook(runbook, { cwd: deep, env: { GOLIVE_DB: 'other.db' } })).toBe(join(deep, 'other.db'));
    expect(journalForRunbook(runbook, { flag: 'flag.db', cwd: deep, env: { GOLIVE_DB: 'other.db' } })).toBe(join(deep, 'flag.db'));
    // The advice lines need no --db where the setting finds the journal.
    expect(journalFlagFor('postgres://golive@db.example/golive', { cwd: deep, env: noEnv })).toBe('');
  });
});

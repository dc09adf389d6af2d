/**
 * `golive run` end to end: the built binary against real shell commands and
 * a real journal file in a temp directory. Each fixture runbook appends to a
 * `trace` file in its `--var dir`, so the order in which commands really ran
 * (steps, rollbacks, checks) is asserted from the outside, and the journal is
 * read back with a raw connection.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { cleanOutput, jsonEvents, readJournal, runIdFrom, startGolive, verifyJournal } from './process-helpers.js';

afterAll(() => removeTempDirs());

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'runbooks', name);

/** A scratch directory with its journal path and trace reader. */
function scenario() {
  const dir = tempDir();
  const db = join(dir, 'golive.db');
  return {
    dir,
    db,
    trace: () => (existsSync(join(dir, 'trace')) ? readFileSync(join(dir, 'trace'), 'utf8') : ''),
    /** `golive <command> <file> --var dir=<dir> --db <db> …`, started in the scratch directory. */
    golive: (args: string[], env?: Record<string, string | undefined>, timeoutMs?: number) => runGolive([...args, '--db', db], { cwd: dir, env, timeoutMs }),
  };
}

/** The `--json` stream contract: every line parses, the first is run.started, the last run.finished. */
function expectJsonStream(stdout: string): Array<Record<string, any>> {
  const events = jsonEvents(stdout);
  expect(events.length).toBeGreaterThanOrEqual(2);
  expect(events[0].kind).toBe('run.started');
  expect(events.at(-1)!.kind).toBe('run.finished');
  const runId = events[0].runId as string;
  for (const event of events) {
    expect(event.runId).toBe(runId);
    expect(typeof event.at).toBe('string');
  }
  return events;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe.concurrent('golive run: success and failure', () => {
  it('runs every step in order, exits 0, and journals the run with an intact hash chain', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('sequence.yaml'), '--var', `dir=${s.dir}`, '--json']);
    expect(result.code, both(result)).toBe(0);
    expect(s.trace()).toBe('a\nb\nc\nd\n');

    const events = expectJsonStream(result.stdout);
    const finished = events.at(-1)!;
    expect(finished).toMatchObject({ outcome: 'succeeded', exitCode: 0, issues: [] });
    expect(events.filter((e) => e.kind === 'step.state').map((e) => `${e.stepId}:${e.state}`)).toEqual([
      'a:succeeded',
      'b:succeeded',
      'c:succeeded',
      'd:succeeded',
    ]);

    const [run, ...others] = readJournal(s.db);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ id: finished.runId, mode: 'run', outcome: 'succeeded', exit_code: 0, parent_run_id: null });
    // Everything but step.output is journaled, in the order it was printed.
    expect(run.events.map((e) => e.kind)).toEqual(events.filter((e) => e.kind !== 'step.output').map((e) => e.kind));
    const token = readFileSync(join(s.dir, 'token'), 'utf8').trim();
    expect(run.events.find((e) => e.kind === 'step.finished' && e.data.stepId === 'a')!.data.outputs).toEqual({ token });

    expect(verifyJournal(s.db)).toEqual({ ok: true, checked: run.events.length });
  });

  it('rolls back when a step fails: the failed step first, then the completed ones in reverse (exit 1)', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('sequence.yaml'), '--var', `dir=${s.dir}`, '--var', 'fail_at=c', '--on-failure', 'rollback']);
    expect(result.code, both(result)).toBe(1);
    const token = readFileSync(join(s.dir, 'token'), 'utf8').trim();
    expect(s.trace()).toBe(`a\nb\nc\nundo-c\nundo-b\nundo-a ${token}\n`);

    const out = cleanOutput(result.stdout, [s.dir]);
    expect(out).toContain('↩ rolling back: step c failed: exited with status 1\n    order: c → b → a\n');
    expect(out).toContain('✔ rollback complete\n✖ rolled-back in <t> (exit 1)\n');
    expect(out).not.toMatch(/^▶ d$/m);

    const [run] = readJournal(s.db);
    expect(run).toMatchObject({ outcome: 'rolled-back', exit_code: 1 });
    const states = run.events.filter((e) => e.kind === 'step.state').map((e) => `${e.data.stepId}:${e.data.state}`);
    expect(states).toEqual(['a:succeeded', 'b:succeeded', 'c:failed', 'c:rolled-back', 'b:rolled-back', 'a:rolled-back']);
    expect(verifyJournal(s.db).ok).toBe(true);
  });

  it('exits 3 when a completed step has no rollback: the system is not fully restored', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('no-rollback.yaml'), '--var', `dir=${s.dir}`, '--on-failure', 'rollback']);
    expect(result.code, both(result)).toBe(3);
    expect(s.trace()).toBe('a\nb\nundo-b\n');
    const out = cleanOutput(result.stdout, [s.dir]);
    expect(out).toContain('    order: b\n    no rollback defined: a\n');
    // Its own outcome and words: nothing failed, a step simply has no rollback.
    expect(out).toContain('! every rollback command passed; NOT fully rolled back: step a has no rollback');
    expect(out).toContain('✖ rollback-incomplete in <t> (exit 3)');
    expect(out).toContain('not fully rolled back: step a has no rollback');
    expect(out).not.toContain('rollback complete');
    expect(out).not.toContain('fix the failed rollback');
    expect(readJournal(s.db)[0]).toMatchObject({ outcome: 'rollback-incomplete', exit_code: 3 });
  });

  it('--on-failure abort stops (exit 3) and names the commands; a separate `golive rollback` undoes it with the stored output', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('sequence.yaml'), '--var', `dir=${s.dir}`, '--var', 'fail_at=c', '--on-failure', 'abort']);
    expect(result.code, both(result)).toBe(3);
    expect(s.trace()).toBe('a\nb\nc\n');
    const runId = runIdFrom(result.stdout);
    expect(result.stdout).toContain(`golive rollback ${runId} --db ${s.db}`);
    expect(result.stdout).toContain(`golive resume ${runId} --db ${s.db}`);
    expect(readJournal(s.db)[0]).toMatchObject({ id: runId, outcome: 'aborted', exit_code: 3 });

    // A new process, with nothing but the journal: the token comes from the stored outputs of step a.
    const token = readFileSync(join(s.dir, 'token'), 'utf8').trim();
    expect(token).toMatch(/^tok-\d+$/);
    const rollback = await s.golive(['rollback', runId]);
    expect(rollback.code, both(rollback)).toBe(0);
    expect(s.trace()).toBe(`a\nb\nc\nundo-c\nundo-b\nundo-a ${token}\n`);
    expect(cleanOutput(rollback.stdout, [s.dir])).toContain('    order: c → b → a\n');

    const runs = readJournal(s.db);
    expect(runs.map((r) => [r.mode, r.outcome, r.parent_run_id])).toEqual([
      ['run', 'aborted', null],
      ['rollback', 'rolled-back', runId],
    ]);

    // Idempotent: nothing runs a second time.
    const again = await s.golive(['rollback', runId]);
    expect(again.code, both(again)).toBe(0);
    expect(again.stdout).toContain(`Nothing left to roll back in run ${runId}`);
    expect(s.trace()).toBe(`a\nb\nc\nundo-c\nundo-b\nundo-a ${token}\n`);
    expect(verifyJournal(s.db).ok).toBe(true);
  });

  // Regression (fixed): `golive rollback --json` prints its "Nothing left to roll back in run …"
  // answer as plain text (src/commands/rollback.ts writes it before any renderer
  // exists), so a pipeline reading one JSON object per line chokes on it.
  it('`golive rollback --json` with nothing left to roll back still prints only JSON lines', async () => {
    const s = scenario();
    const run = await s.golive(['run', fixture('sequence.yaml'), '--var', `dir=${s.dir}`, '--var', 'fail_at=b', '--on-failure', 'rollback']);
    expect(run.code, both(run)).toBe(1);
    const rollback = await s.golive(['rollback', runIdFrom(run.stdout), '--json']);
    expect(rollback.code, both(rollback)).toBe(0);
    expect(rollback.stdout.trim()).not.toBe('');
    expect(() => jsonEvents(rollback.stdout)).not.toThrow();
  });

  it('--on-failure continue records the failure and goes on (exit 0, with issues)', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('sequence.yaml'), '--var', `dir=${s.dir}`, '--var', 'fail_at=b', '--on-failure', 'continue', '--json']);
    expect(result.code, both(result)).toBe(0);
    expect(s.trace()).toBe('a\nb\nc\nd\n');
    const events = expectJsonStream(result.stdout);
    expect(events.at(-1)).toMatchObject({ outcome: 'succeeded-with-issues', exitCode: 0 });
    expect(events.at(-1)!.issues).toEqual([expect.stringContaining('step b failed')]);
    expect(events.find((e) => e.kind === 'decision')).toMatchObject({ subject: 'guided-failure', subjectId: 'b', choice: 'continue', via: 'policy' });
    expect(events.some((e) => e.kind === 'rollback.started')).toBe(false);
  });
});

describe.concurrent('golive run: retries, validation, timeouts', () => {
  it('retries a failing step and polls its validation until it passes', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('retries.yaml'), '--var', `dir=${s.dir}`, '--json']);
    expect(result.code, both(result)).toBe(0);
    expect(readFileSync(join(s.dir, 'attempts'), 'utf8').trim()).toBe('3');
    expect(readFileSync(join(s.dir, 'polls'), 'utf8').trim()).toBe('3');

    const events = expectJsonStream(result.stdout);
    const finishes = (phase: string, stepId: string) =>
      events.filter((e) => e.kind === 'step.finished' && e.phase === phase && e.stepId === stepId).map((e) => `${e.attempt}:${e.status}`);
    expect(finishes('step', 'flaky')).toEqual(['1:failed', '2:failed', '3:passed']);
    expect(events.filter((e) => e.kind === 'step.retrying').map((e) => [e.stepId, e.nextAttempt, e.delayMs])).toEqual([
      ['flaky', 2, 200],
      ['flaky', 3, 200],
    ]);
    expect(finishes('validate', 'warm')).toEqual(['1:failed', '2:failed', '3:passed']);
    expect(events.at(-1)).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
  });

  it('fails the step when every retry fails, and rolls it back', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('retries.yaml'), '--var', `dir=${s.dir}`, '--var', 'succeed_on=99', '--on-failure', 'rollback', '--json']);
    expect(result.code, both(result)).toBe(1);
    expect(readFileSync(join(s.dir, 'attempts'), 'utf8').trim()).toBe('3');
    expect(s.trace()).toBe('undo-flaky\n');
    const events = expectJsonStream(result.stdout);
    expect(events.find((e) => e.kind === 'step.state' && e.state === 'failed')).toMatchObject({
      stepId: 'flaky',
      reason: 'exited with status 1 (after 3 attempts)',
    });
    expect(events.some((e) => e.kind === 'step.started' && e.stepId === 'warm')).toBe(false);
  });

  it('stops a step at its timeout, promptly, recorded as timed-out with exit code 124', async () => {
    const s = scenario();
    const started = Date.now();
    const result = await s.golive(['run', fixture('timeout.yaml'), '--var', `dir=${s.dir}`, '--json']);
    const elapsed = Date.now() - started;
    // No terminal and no policy: abort (exit 3), resumable.
    expect(result.code, both(result)).toBe(3);
    expect(elapsed).toBeLessThan(6000);
    expect(s.trace()).toBe('slow\n');
    const events = expectJsonStream(result.stdout);
    const finished = events.find((e) => e.kind === 'step.finished' && e.stepId === 'slow')!;
    expect(finished).toMatchObject({ phase: 'step', status: 'timed-out', exitCode: 124, message: 'timed out after 1s: the process group was killed' });
    expect(finished.durationMs).toBeGreaterThanOrEqual(950);
    expect(finished.durationMs).toBeLessThan(4000);
    expect(events.at(-1)).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    const [run] = readJournal(s.db);
    expect(run.events.find((e) => e.kind === 'step.finished')!.data).toMatchObject({ status: 'timed-out', exitCode: 124 });
  });
});

describe.concurrent('golive run: gates before anything runs', () => {
  it('NO-GO: a failing blocking check stops the run before any step (exit 4)', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('no-go.yaml'), '--var', `dir=${s.dir}`]);
    expect(result.code, both(result)).toBe(4);
    // Every check runs (the meeting wants the whole list); no step does.
    expect(s.trace()).toBe('check-ok\ncheck-fail\n');
    expect(cleanOutput(result.stdout, [s.dir])).toContain('◆ go-no-go: NO-GO — database-reachable: exited with status 1');
    const [run] = readJournal(s.db);
    expect(run).toMatchObject({ outcome: 'no-go', exit_code: 4 });
    expect(run.events.filter((e) => e.kind === 'step.started').map((e) => e.data.phase)).toEqual(['check', 'check']);
  });

  it('a manual step without --yes or --approve fails without a terminal, naming --approve <id>', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('confirm.yaml'), '--var', `dir=${s.dir}`]);
    expect(result.code, both(result)).toBe(3);
    expect(s.trace()).toBe('a\n');
    expect(result.stdout).toContain('pass --approve announce');
    const [run] = readJournal(s.db);
    expect(run.events.find((e) => e.kind === 'decision')!.data).toMatchObject({
      subject: 'confirm',
      subjectId: 'announce',
      choice: 'not-approved',
      via: 'policy',
    });
  });

  it('--approve <id> approves that manual step, and the decision is recorded', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('confirm.yaml'), '--var', `dir=${s.dir}`, '--approve', 'announce', '--operator', 'ana']);
    expect(result.code, both(result)).toBe(0);
    expect(s.trace()).toBe('a\nc\n');
    const [run] = readJournal(s.db);
    expect(run.events.find((e) => e.kind === 'decision')!.data).toMatchObject({ subjectId: 'announce', choice: 'approved', by: 'ana', via: 'flag' });
  });

  it('a second run of the same runbook and environment exits 5, naming the run that holds the lock', async () => {
    const s = scenario();
    const first = startGolive(['run', fixture('lock.yaml'), '--env', 'uat', '--var', `dir=${s.dir}`, '--db', s.db, '--json'], { cwd: s.dir });
    await first.waitForOutput(/"kind":"step\.started".*"stepId":"hold"/);
    const holder = runIdFrom(first.stdout());

    const second = await s.golive(['run', fixture('lock.yaml'), '--env', 'uat', '--var', `dir=${s.dir}`]);
    expect(second.code, both(second)).toBe(5);
    expect(second.stderr).toContain(`is locked by run ${holder}`);
    expect(second.stdout).toBe('');
    // Rolling back a run that is still going would race it: refused the same way.
    const rollback = await s.golive(['rollback', holder]);
    expect(rollback.code, both(rollback)).toBe(5);
    expect(rollback.stderr).toContain(`run ${holder} is still running (pid ${first.pid}`);

    const done = await first.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(s.trace()).toBe('hold\n');
    // The locked-out attempt left no run behind.
    expect(readJournal(s.db).map((r) => r.id)).toEqual([holder]);
  });

  it('an invalid runbook exits 2 and executes nothing', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('invalid.yaml'), '--var', `dir=${s.dir}`]);
    expect(result.code, both(result)).toBe(2);
    expect(result.stderr).toMatch(/invalid\.yaml:\d+:\d+ error .*step `a` cannot use outputs of step `b`/);
    expect(result.stderr).toContain('nothing was executed');
    expect(existsSync(join(s.dir, 'trace'))).toBe(false);
    expect(existsSync(s.db)).toBe(false);
  });

  it('an unset secret exits 2 before anything runs', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('secrets.yaml'), '--var', `dir=${s.dir}`], { GL_SECRET_VALUE: undefined, GL_API_KEY_VALUE: 'apikey_set' });
    expect(result.code, both(result)).toBe(2);
    expect(result.stderr).toContain('secret GL_SECRET: environment variable GL_SECRET_VALUE is not set');
    expect(result.stderr).toContain('nothing was executed');
    expect(existsSync(join(s.dir, 'trace'))).toBe(false);
    expect(existsSync(s.db)).toBe(false);
  });
});

describe.concurrent('golive run: secrets are masked everywhere', () => {
  // Regex metacharacters on purpose: a masker that builds an unescaped pattern misses it.
  const SECRET = 'Zq9-s3cr3t.v@l+(x)|k';
  const API_KEY = 'apikey_7f3a9c51d2e8';
  const secretEnv = { GL_SECRET_VALUE: SECRET, GL_API_KEY_VALUE: API_KEY };

  /** Every place golive writes: its output, the journal (database, WAL, shared memory) and the step logs. */
  function leaks(s: ReturnType<typeof scenario>, result: GoliveResult, values: string[]): string[] {
    const places: Array<[string, Buffer]> = [
      ['stdout', Buffer.from(result.stdout)],
      ['stderr', Buffer.from(result.stderr)],
      ...[s.db, `${s.db}-wal`, `${s.db}-shm`].filter(existsSync).map((f): [string, Buffer] => [f, readFileSync(f)]),
      ...filesUnder(join(s.dir, 'logs')).map((f): [string, Buffer] => [f, readFileSync(f)]),
    ];
    return places.flatMap(([where, bytes]) => values.filter((v) => bytes.includes(Buffer.from(v))).map((v) => `${v} in ${where}`));
  }

  it.each([['plain'], ['--json']])('a step echoing secrets (plain, split, in an output, in a failing step) never leaks them (%s)', async (mode) => {
    const s = scenario();
    const result = await s.golive(['run', fixture('secrets.yaml'), '--var', `dir=${s.dir}`, ...(mode === '--json' ? ['--json'] : [])], secretEnv);
    expect(result.code, both(result)).toBe(1);
    expect(s.trace()).toBe('plain\n');

    // The steps really printed them: masked, and whole even when written in two pieces.
    const printed =
      mode === '--json'
        ? jsonEvents(result.stdout)
            .filter((e) => e.kind === 'step.output')
            .map((e) => e.text)
            .join('')
        : result.stdout;
    for (const line of [
      'plain: ***',
      'stderr: ***',
      'template: ***',
      'key: ***',
      'validating with ***',
      'split: *** end',
      'connecting as admin:***',
      'token *** rejected',
      'rolling back with *** and ***',
      'undo fails with ***',
    ]) {
      expect(printed).toContain(line);
    }
    const logs = filesUnder(join(s.dir, 'logs'));
    expect(logs.map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()).toEqual(
      expect.arrayContaining(['plain.log', 'split.log', 'fails.log', 'fails.rollback.log']),
    );
    expect(readFileSync(logs.find((f) => f.endsWith('/fails.log'))!, 'utf8')).toContain('connecting as admin:***');

    const [run] = readJournal(s.db);
    // Outputs holding a secret are refused (named in a warning), never stored as `***`.
    const outputStep = run.events.find((e) => e.kind === 'step.finished' && e.data.stepId === 'output')!.data;
    expect([outputStep.outputs, outputStep.refusedOutputs]).toEqual([{}, ['password', 'key']]);

    expect(leaks(s, result, [SECRET, API_KEY, SECRET.slice(0, 12), API_KEY.slice(4)])).toEqual([]);
  });

  // Regression (fixed): output NAMES are not masked. readOutputsFile (src/process/outputs-file.ts)
  // masks only the values, so `echo "$API_KEY=enabled" >> "$GOLIVE_OUTPUT"` keeps
  // the secret verbatim as an output name: in the step.finished event's `outputs`
  // (printed by --json, stored in events.data, hence in the hash-chained trail)
  // and in the `outputs` table.
  // Regression (fixed): a command that cannot start is reported with an unmasked message.
  // The runner's spawn error names the rendered working directory
  // (describeSpawnError, src/process/runner.ts) and execute() (src/engine/execute.ts)
  // puts `could not start: …` into step.finished.message and, through
  // onStepFailure (src/engine/run.ts), into the guided-failure decision's reason,
  // none of them masked: the secret is printed and stored in events and decisions.
  it('a secret in the working directory of a step that cannot start is masked in the failure message', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('secret-cwd.yaml'), '--var', `dir=${s.dir}`], secretEnv);
    expect(result.code, both(result)).toBe(3);
    expect(result.stdout).toContain('could not start: the working directory');
    expect(leaks(s, result, [API_KEY])).toEqual([]);
  });

  it('a secret used as the NAME of an output is masked too', async () => {
    const s = scenario();
    const result = await s.golive(['run', fixture('secret-output-name.yaml'), '--json'], secretEnv);
    expect(result.code, both(result)).toBe(0);
    expect(leaks(s, result, [API_KEY])).toEqual([]);
  });
});

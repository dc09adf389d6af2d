/**
 * schemas/events.schema.json against what the built golive really prints
 * with --json: the event streams of successful, failed and rolled-back,
 * retried, interrupted, resumed, rehearsed, checked and dry runs; the error
 * object; and the answers of history, show, status, validate and plan. Each
 * output is validated by ajv (draft 2020-12, strict) at the definition a
 * consumer would point at, and together the streams must show every event
 * kind that a --json run can print.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, type GoliveResult, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';
import { jsonEvents, startGolive } from './process-helpers.js';
import { startSshFleet } from './sshd-server.js';

afterAll(() => removeTempDirs());

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'events.schema.json'), 'utf8')) as { $id: string; $defs: Record<string, unknown> };
const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addSchema(schema);

/** The validator of one definition, as a consumer addresses it (`events.schema.json#/$defs/<name>`). */
function validatorOf(name: string): ValidateFunction {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${name}`);
  if (!validate) throw new Error(`no definition ${name}`);
  return validate;
}

/** Assert that `value` is valid at `#/$defs/<name>`, showing ajv's errors (for an event, those of its own kind's definition) if not. */
function expectValid(name: string, value: unknown, context: string): void {
  const validate = validatorOf(name);
  if (validate(value)) {
    // The document as a whole accepts every output too (its top level is one of them).
    expect(ajv.getSchema(schema.$id)!(value), `${context}: valid at the top level`).toBe(true);
    return;
  }
  const kind = (value as { kind?: unknown } | null)?.kind;
  const own = typeof kind === 'string' && `event.${kind}` in schema.$defs ? validatorOf(`event.${kind}`) : validate;
  own(value);
  throw new Error(
    `${context}: not a valid ${name}:\n${JSON.stringify(value).slice(0, 600)}\n${JSON.stringify((own.errors ?? validate.errors)?.slice(0, 6), null, 2)}`,
  );
}

/** The keys of `value` that are in `keys` (an exported line carries its chain position besides the event). */
function pick(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key)));
}

/** Validate every line of a --json stream as `#/$defs/line`; returns the parsed lines. */
function expectValidStream(result: GoliveResult, context: string): Array<Record<string, any>> {
  const lines = jsonEvents(result.stdout);
  expect(lines.length, `${context}\n${both(result)}`).toBeGreaterThan(0);
  lines.forEach((line, i) => {
    expectValid('line', line, `${context}, line ${i + 1}`);
  });
  return lines;
}

const FAIL_UNTIL_FIXED = `golive: 1
name: fix-me
vars: { dir: /dev/null/pass--var-dir }
steps:
  - id: prepare
    run: echo prepared >> "{{ vars.dir }}/trace"
    rollback: echo undo-prepare >> "{{ vars.dir }}/trace"
  - id: deploy
    run: test -f "{{ vars.dir }}/fixed"
    rollback: "true"
`;

const APPROVED = `golive: 1
name: approved
team:
  dba: { name: Li Wei, user: ${userInfo().username} }
  lead: [{ name: Ana Ruiz, user: ana }, { name: Sam Okafor, user: sam }]
steps:
  - id: migrate
    approvers: [dba, lead]
    approval_timeout: 1m
    run: "true"
`;

const APPROVED_THEN_FIXED = `golive: 1
name: approved-then-fixed
team:
  dba: { name: Li Wei, user: ${userInfo().username} }
steps:
  - id: migrate
    approvers: [dba]
    run: test -f approved-fixed
`;

const SLOW = `golive: 1
name: slow
steps:
  - id: wait
    run: sleep 30
    duration: 30s
`;

const NEEDS_SECRET = `golive: 1
name: needs-secret
secrets:
  TOKEN: { env: GOLIVE_EVENTS_TEST_TOKEN_UNSET }
steps:
  - id: use
    run: echo "{{ secrets.TOKEN }}" > /dev/null
`;

const WARNS = `golive: 1
name: warns
steps:
  - id: slow
    run: "true"
    duration: 5m
    timeout: 1m
`;

describe('events.schema.json: real --json outputs of the built golive', () => {
  const dir = tempDir();
  const db = join(dir, 'golive.db');
  const golive = (args: string[], env?: Record<string, string | undefined>) => runGolive([...args, '--db', db], { cwd: dir, env, timeoutMs: 30_000 });
  const kindsSeen = new Set<string>();
  const runIds: string[] = [];
  const stream = (result: GoliveResult, context: string, exitCode: number) => {
    expect(result.code, `${context}\n${both(result)}`).toBe(exitCode);
    const lines = expectValidStream(result, context);
    for (const line of lines) kindsSeen.add(line.kind);
    const started = lines.find((line) => line.kind === 'run.started');
    if (started) runIds.push(started.runId);
    return lines;
  };

  beforeAll(() => {
    for (const name of ['checks-verify.yaml', 'rollback.yaml', 'conditions.yaml', 'retry-codes.yaml'])
      copyFileSync(join(repoRoot, 'examples', name), join(dir, name));
    writeFileSync(join(dir, 'fix-me.yaml'), FAIL_UNTIL_FIXED);
    writeFileSync(join(dir, 'slow.yaml'), SLOW);
    writeFileSync(join(dir, 'approved.yaml'), APPROVED);
    writeFileSync(join(dir, 'approved-then-fixed.yaml'), APPROVED_THEN_FIXED);
    writeFileSync(join(dir, 'needs-secret.yaml'), NEEDS_SECRET);
    writeFileSync(join(dir, 'warns.yaml'), WARNS);
    writeFileSync(join(dir, 'bad.yaml'), 'golive: 1\nname: bad\nsteps:\n  - id: a\n    rn: echo\n');
  });

  it('the validator rejects what the stream must not contain (the test can fail)', () => {
    const line = { golive: 1, runId: '01M8SYP3K8RWQE649PHME5F04M', kind: 'warning', message: 'm', at: '2026-12-01T10:00:00.000Z' };
    expect(validatorOf('line')(line)).toBe(true);
    const { golive: _version, ...unversioned } = line;
    expect(validatorOf('line')(unversioned)).toBe(false);
    expect(validatorOf('line')({ ...line, golive: 2 })).toBe(false);
    expect(validatorOf('line')({ ...line, extra: true })).toBe(false);
    expect(validatorOf('line')({ ...line, kind: 'step.state' })).toBe(false);
    expect(validatorOf('history')([{ id: 'x' }])).toBe(false);
  });

  it('a run that succeeds (CONDITIONAL GO, a minor smoke test recorded), and a check run', async () => {
    const lines = stream(await golive(['run', 'checks-verify.yaml', '--json']), 'run checks-verify', 0);
    expect(lines[0]).toMatchObject({ golive: 1, kind: 'run.started' });
    expect(Object.keys(lines[0]!)[0]).toBe('golive');
    expect(lines.at(-1)).toMatchObject({ kind: 'run.finished', outcome: 'succeeded-with-issues', exitCode: 0 });
    stream(await golive(['check', 'checks-verify.yaml', '--json']), 'check checks-verify', 0);
  });

  it('a rollout over a real sshd host: its waves and hosts, the steps that name their host', async () => {
    const fleet = await startSshFleet(2, { namePrefix: 'web' });
    try {
      const hosts = fleet.hosts.map((h) => `    - { name: ${h.name}, host: ${h.host}, port: ${h.port}, user: ${h.user} }`).join('\n');
      writeFileSync(
        join(dir, 'rollout.yaml'),
        `golive: 1\nname: rollout\ntargets:\n  web:\n${hosts}\nsteps:\n  - id: web\n    rollout:\n      on: web\n      waves: [1, 100%]\n      steps:\n        - { id: deploy, run: "echo on $GOLIVE_TARGET", rollback: none }\n`,
      );
      const lines = stream(await golive(['run', 'rollout.yaml', '--json'], fleet.env), 'run rollout', 0);
      expect(lines.filter((l) => l.kind === 'target.finished').map((l) => l.target)).toEqual(['web1', 'web2']);
    } finally {
      await fleet.stop();
    }
  }, 60_000);

  it('a run that fails and rolls back, a rehearsal, and a run with retries', async () => {
    const lines = stream(await golive(['run', 'rollback.yaml', '--json']), 'run rollback', 1);
    expect(lines.map((l) => l.kind)).toContain('rollback.finished');
    stream(await golive(['rehearse', 'rollback.yaml', '--var', 'fail_at=none', '--json']), 'rehearse rollback', 0);
    const retries = stream(
      await golive(['run', join(repoRoot, 'test', 'fixtures', 'runbooks', 'retries.yaml'), '--var', `dir=${dir}`, '--json']),
      'run retries',
      0,
    );
    expect(retries.map((l) => l.kind)).toContain('step.retrying');
  });

  it('golive rollback of a finished run, then the notice that nothing is left to roll back', async () => {
    stream(await golive(['run', 'rollback.yaml', '--var', 'fail_at=none', '--json']), 'run rollback (succeeds)', 0);
    stream(await golive(['rollback', '--runbook', 'rollback', '--json']), 'rollback', 0);
    const [notice] = stream(await golive(['rollback', '--runbook', 'rollback', '--json']), 'rollback again', 0);
    expect(notice).toMatchObject({ golive: 1, kind: 'nothing-to-roll-back' });
  });

  it('conditions (a step skipped by its when:) and retries by exit code with back-off', async () => {
    const conditions = stream(await golive(['run', 'conditions.yaml', '--env', 'uat', '--json']), 'run conditions', 0);
    expect(conditions.filter((l) => l.kind === 'step.state' && l.state === 'skipped')).not.toEqual([]);
    const retries = stream(await golive(['run', 'retry-codes.yaml', '--json']), 'run retry-codes', 0);
    expect(retries.filter((l) => l.kind === 'step.retrying')).toHaveLength(2);
  });

  it('an aborted run, then its resume', async () => {
    stream(await golive(['run', 'fix-me.yaml', '--var', `dir=${dir}`, '--on-failure', 'abort', '--json']), 'run fix-me', 3);
    writeFileSync(join(dir, 'fixed'), '');
    stream(await golive(['resume', '--runbook', 'fix-me', '--json']), 'resume fix-me', 0);
  });

  it('an interrupted run (SIGTERM mid-step)', async () => {
    const live = startGolive(['run', 'slow.yaml', '--json', '--db', db], { cwd: dir });
    await live.waitForOutput(/"kind":"step.spawned"/);
    live.child.kill('SIGTERM');
    const exit = await live.exited;
    const lines = stream({ code: exit.code, stdout: exit.stdout, stderr: exit.stderr }, 'run slow, SIGTERM', 143);
    expect(lines.map((l) => l.kind)).toContain('run.interrupted');
  });

  it('a run that waits for an approval, given by golive approve from another process', async () => {
    const live = startGolive(['run', 'approved.yaml', '--json', '--db', db], { cwd: dir });
    await live.waitForOutput(/"kind":"approval.requested"/);
    const runId = jsonEvents(live.stdout())[0]!.runId as string;
    const approve = await runGolive(['approve', runId, 'migrate', '--db', db, '--comment', 'ok'], { cwd: tempDir() });
    expect(approve.code, both(approve)).toBe(0);
    const exit = await live.exited;
    const lines = stream({ code: exit.code, stdout: exit.stdout, stderr: exit.stderr }, 'run approved', 0);
    expect(lines.find((l) => l.kind === 'decision')).toMatchObject({ subjectId: 'migrate', choice: 'approved', via: 'approval' });
    // The answer is recorded by the approving process: it is in the journal, as a line of the same format.
    const exported = await golive(['audit', 'export', '--run', runId]);
    const answer = jsonEvents(exported.stdout).find((l) => l.kind === 'approval');
    expect(answer).toMatchObject({ pointId: 'migrate', verdict: 'accepted', comment: 'ok' });
    expectValid(
      'event.approval',
      { golive: 1, ...pick(answer!, Object.keys((schema.$defs['event.approval'] as { properties: object }).properties)) },
      'an exported approval',
    );
  });

  it('a resume that relies on the approval its earlier run gave', async () => {
    const live = startGolive(['run', 'approved-then-fixed.yaml', '--json', '--db', db], { cwd: dir });
    await live.waitForOutput(/"kind":"approval.requested"/);
    const runId = jsonEvents(live.stdout())[0]!.runId as string;
    expect((await runGolive(['approve', runId, 'migrate', '--db', db], { cwd: tempDir() })).code).toBe(0);
    const exit = await live.exited;
    stream({ code: exit.code, stdout: exit.stdout, stderr: exit.stderr }, 'run approved-then-fixed', 3);
    writeFileSync(join(dir, 'approved-fixed'), '');
    const lines = stream(await golive(['resume', runId, '--json']), 'resume approved-then-fixed', 0);
    expect(lines.find((l) => l.kind === 'approval.carried')).toMatchObject({ pointId: 'migrate', fromRunId: runId });
  });

  it('dry runs with warnings, and --json errors (an invalid runbook, a missing journal)', async () => {
    const warned = stream(await golive(['run', 'needs-secret.yaml', '--dry-run', '--json']), 'dry run needs-secret', 2);
    expect(warned.map((l) => l.kind)).toContain('warning');
    const [error] = stream(await golive(['run', 'bad.yaml', '--json']), 'run bad', 2);
    expect(error).toMatchObject({ golive: 1, kind: 'error', exitCode: 2 });
    expect(error!.problems.length).toBeGreaterThan(0);
    const noJournal = await runGolive(['status', '--json'], { cwd: tempDir() });
    expect(noJournal.code, both(noJournal)).toBe(6);
    expectValid('error', JSON.parse(noJournal.stdout), 'status without a journal');
    expectValid('line', JSON.parse(noJournal.stdout), 'status without a journal');
  });

  it('together, the streams show every event kind a --json run prints', () => {
    // question.asked is journaled only when golive asks at a terminal, and --json never prompts.
    const printable = Object.keys(schema.$defs)
      .filter((name) => name.startsWith('event.'))
      .map((name) => name.slice('event.'.length))
      // approval is recorded by the process that approves (golive approve / reject), not in the run's own stream.
      .filter((kind) => kind !== 'question.asked' && kind !== 'approval');
    expect(printable.filter((kind) => !kindsSeen.has(kind))).toEqual([]);
  });

  it('history, show and status of every run, validate and plan', async () => {
    const history = await golive(['history', '--json']);
    expect(history.code, both(history)).toBe(0);
    const runs = JSON.parse(history.stdout) as Array<{ id: string }>;
    expectValid('history', runs, 'history');
    expect(runs.map((r) => r.id).sort()).toEqual([...runIds].sort());
    for (const { id } of runs) {
      const show = await golive(['show', id, '--json']);
      expect(show.code, both(show)).toBe(0);
      expectValid('show', JSON.parse(show.stdout), `show ${id}`);
      const status = await golive(['status', id, '--json']);
      expect(status.code, both(status)).toBe(0);
      expectValid('status', JSON.parse(status.stdout), `status ${id}`);
    }

    for (const [files, exitCode] of [
      [['checks-verify.yaml', 'warns.yaml'], 0],
      [['bad.yaml', 'warns.yaml'], 2],
    ] as const) {
      const validate = await runGolive(['validate', ...files, '--json'], { cwd: dir });
      expect(validate.code, both(validate)).toBe(exitCode);
      const diagnostics = JSON.parse(validate.stdout) as Array<{ code: string }>;
      expectValid('validate', diagnostics, `validate ${files.join(' ')}`);
      expect(diagnostics.map((d) => d.code)).toContain('W001');
    }

    const webshop = join(repoRoot, 'runbooks', 'webshop-release.yaml');
    for (const args of [
      ['plan', 'checks-verify.yaml'],
      ['plan', 'rollback.yaml'],
      ['plan', webshop, '--env', 'production'],
      ['plan', 'conditions.yaml', '--env', 'production'],
      ['plan', 'retry-codes.yaml'],
      ['plan', 'approved.yaml'],
    ]) {
      const plan = await runGolive([...args, '--json'], { cwd: dir });
      expect(plan.code, both(plan)).toBe(0);
      expectValid('plan', JSON.parse(plan.stdout), args.join(' '));
    }
    // The optional keys of a plan, for real: conditions and a retry by exit code with back-off.
    const conditions = JSON.parse((await runGolive(['plan', 'conditions.yaml', '--env', 'production', '--json'], { cwd: dir })).stdout);
    expect(conditions.steps.some((s: { when?: string }) => s.when !== undefined)).toBe(true);
    expect(conditions.steps.some((s: { rollback: { when?: string } | null }) => s.rollback?.when !== undefined)).toBe(true);
    const retry = JSON.parse((await runGolive(['plan', 'retry-codes.yaml', '--json'], { cwd: dir })).stdout).steps[0].retry;
    expect(Object.keys(retry).sort()).toEqual(['attempts', 'backoff', 'delayMs', 'maxDelayMs', 'onExitCodes']);
  });
});

describe('events.schema.json in the package', () => {
  it('is shipped: npm pack lists it beside the runbook schema', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(packed.status, packed.stderr).toBe(0);
    const [{ files }] = JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>;
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['schemas/events.schema.json', 'schemas/runbook.schema.json']));
  });
});

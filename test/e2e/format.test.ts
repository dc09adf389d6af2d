/**
 * The runbook format's newer keys, through the built binary, with each
 * feature's example runbook copied into a temp dir (so its journal and state
 * stay there): YAML reuse, composed variables and per-environment secrets,
 * retries by exit code, and conditions.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';

let dir: string;

beforeAll(() => {
  dir = tempDir();
  cpSync(join(repoRoot, 'examples'), dir, { recursive: true });
});

afterAll(() => {
  removeTempDirs();
});

const golive = (args: string[], env: Record<string, string | undefined> = {}) => runGolive(args, { cwd: dir, env: { CI: 'true', ...env } });

/** The steps of the latest run as `id state` lines, from `golive show --json`. */
async function shownSteps(runbook: string): Promise<Record<string, { state: string; reason?: string }>> {
  const history = JSON.parse((await golive(['history', '--json'])).stdout) as Array<{ id: string; runbook: string }>;
  const run = history.find((r) => r.runbook === runbook)!;
  const shown = JSON.parse((await golive(['show', run.id, '--json'])).stdout) as { steps: Array<{ id: string; state: string; reason?: string }> };
  return Object.fromEntries(shown.steps.map((s) => [s.id, { state: s.state, reason: s.reason }]));
}

describe('YAML reuse (examples/anchors.yaml)', () => {
  it('runs steps built from a merged anchor, each with the shared settings', async () => {
    expect(readFileSync(join(dir, 'anchors.yaml'), 'utf8')).toContain('<<: *service');
    const plan = await golive(['plan', 'anchors.yaml']);
    expect(plan.stdout.match(/timeout: 1m {3}retry: 2 attempts, 200ms apart/g), both(plan)).toHaveLength(2);
    const run = await golive(['run', 'anchors.yaml']);
    expect(run.code, both(run)).toBe(0);
    expect(run.stdout).toContain('deploying worker 1.10');
    const steps = await shownSteps('anchors');
    expect(steps.api?.state).toBe('succeeded');
    expect(steps.worker?.state).toBe('succeeded');
  });
});

describe('composed variables and per-environment secrets (examples/composed.yaml)', () => {
  it("resolves vars from vars, the environment name and env, reads each environment's own secret files, masks them", async () => {
    const uat = await golive(['run', 'composed.yaml', '--env', 'uat'], { DEPLOY_TAG: 'rc1' });
    expect(uat.code, both(uat)).toBe(0);
    expect(uat.stdout).toContain('deploying 2.4-rc1 to https://uat.example.test/uat');
    expect(uat.stdout).toContain('checking https://uat.example.test/uat/health');
    expect(uat.stdout).toContain(`api key has ${'uat-api-key-1111'.length} characters; database login ***`);
    const production = await golive(['plan', 'composed.yaml', '--env', 'production'], { DEPLOY_TAG: 'rc2' });
    expect(production.stdout, both(production)).toContain('deploying 2.4-rc2 to https://shop.example.test/production');
    expect(production.stdout).not.toContain('no such file');
  });

  it("refuses to start when a var uses an unset {{ env.X }}, and when this environment's secret file is missing", async () => {
    const unset = await golive(['run', 'composed.yaml', '--env', 'uat'], { DEPLOY_TAG: undefined });
    expect(unset.code, both(unset)).toBe(2);
    expect(unset.stderr).toContain('environment variable DEPLOY_TAG is not set (used as {{ env.DEPLOY_TAG }})');
    cpSync(join(dir, 'composed.yaml'), join(dir, 'composed-staging.yaml'));
    const text = readFileSync(join(dir, 'composed.yaml'), 'utf8')
      .replace('name: composed', 'name: composed-staging')
      .replace('  production:', '  staging:\n    vars: { domain: staging.example.test }\n  production:');
    writeFileSync(join(dir, 'composed-staging.yaml'), text);
    const staging = await golive(['run', 'composed-staging.yaml', '--env', 'staging'], { DEPLOY_TAG: 'rc1' });
    expect(staging.code, both(staging)).toBe(2);
    expect(staging.stderr).toContain(`secret API_KEY: file ${join(dir, 'secrets', 'api-key.staging.txt')} no such file`);
    expect(staging.stderr).toContain(`secret DB_PASSWORD: env_file ${join(dir, 'secrets', 'staging.env')} no such file`);
  });

  it('rolls back later, in a new process without the variable, with the values the run composed', async () => {
    const run = await golive(['run', 'composed.yaml', '--env', 'production'], { DEPLOY_TAG: 'rc3' });
    expect(run.code, both(run)).toBe(0);
    const rollback = await golive(['rollback', '--runbook', 'composed', '--env', 'production'], { DEPLOY_TAG: undefined });
    expect(rollback.code, both(rollback)).toBe(0);
    expect(rollback.stdout).toContain('undoing 2.4-rc3 on shop.example.test');
  });
});

/** The journal's events of kind `kind`, from `golive audit export`. */
async function exported(kind: string): Promise<Array<Record<string, unknown>>> {
  const lines = (await golive(['audit', 'export'])).stdout.trim().split('\n');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((event) => event.kind === kind);
}

describe('retries by exit code, with back-off (examples/retry-codes.yaml)', () => {
  it('retries exit 75 with growing, capped waits until the step passes', async () => {
    const started = Date.now();
    const run = await golive(['run', 'retry-codes.yaml']);
    const elapsed = Date.now() - started;
    expect(run.code, both(run)).toBe(0);
    expect(run.stdout).toContain('attempt 3: published');
    const runId = /run (\w+): retry-codes/.exec(run.stdout)![1];
    const waits = (await exported('step.retrying')).filter((e) => e.runId === runId).map((e) => e.delayMs);
    expect(waits).toEqual([200, 300]);
    // Loosely: the two waits really happened.
    expect(elapsed).toBeGreaterThanOrEqual(500);
  });

  it('fails at once on an exit code not listed, and counts a timeout as 124', async () => {
    writeFileSync(
      join(dir, 'codes.yaml'),
      [
        'golive: 1',
        'name: codes',
        'steps:',
        '  - id: typo',
        '    run: exit 3',
        '    retry: { attempts: 3, delay: 0.1, on_exit_codes: [75] }',
        '    on_failure: continue',
        '  - id: slow',
        '    run: sleep 5',
        '    timeout: 0.3',
        '    retry: { attempts: 2, on_exit_codes: [124] }',
        '    on_failure: continue',
        '  - id: slow-not-retried',
        '    run: sleep 5',
        '    timeout: 0.3',
        '    retry: { attempts: 2, on_exit_codes: [75] }',
        '    on_failure: continue',
        '',
      ].join('\n'),
    );
    const run = await golive(['run', 'codes.yaml']);
    expect(run.stdout, both(run)).toContain('typo failed: exited with status 3');
    const runId = /run (\w+): codes/.exec(run.stdout)![1];
    const retried = (await exported('step.retrying')).filter((e) => e.runId === runId).map((e) => e.stepId);
    expect(retried).toEqual(['slow']);
    const failed = Object.fromEntries((await exported('step.state')).filter((e) => e.runId === runId && e.state === 'failed').map((e) => [e.stepId, e.reason]));
    expect(failed.typo).toBe('exited with status 3 (not retried: only exit codes 75 are)');
    expect(failed.slow).toMatch(/^timed out after .* \(after 2 attempts\)$/);
    expect(failed['slow-not-retried']).toMatch(/^timed out after .* \(not retried: only exit codes 75 are\)$/);
  });
});

describe('conditions (examples/conditions.yaml)', () => {
  it('skips a production-only step in uat, records why, shows it in show and the report, and leaves it out of the rollback', async () => {
    const run = await golive(['run', 'conditions.yaml', '--env', 'uat']);
    expect(run.code, both(run)).toBe(0);
    expect(run.stdout).toContain('test data loaded');
    expect(run.stdout).not.toContain('announcement sent');
    const runId = /run (\w+): conditions/.exec(run.stdout)![1];
    const reason = "condition false: {{ environment }} == 'production' && {{ steps.migrate.outputs.changed }} != 'no'";
    expect(await shownSteps('conditions')).toMatchObject({ announce: { state: 'skipped' }, 'seed-test-data': { state: 'succeeded' } });
    const show = await golive(['show', runId]);
    expect(show.stdout, both(show)).toContain(`announce  skipped — ${reason}`);
    expect(show.stdout).toContain("change-approved: check skipped: condition false: {{ environment }} == 'production'");
    const report = await golive(['report', runId, '--format', 'json']);
    expect(report.stdout, both(report)).toContain(JSON.stringify(reason).slice(1, -1));
    const rollback = await golive(['rollback', runId]);
    expect(rollback.code, both(rollback)).toBe(0);
    expect(rollback.stdout).toContain('schema restored');
    expect(rollback.stdout).toContain('test data removed');
    expect(rollback.stdout).not.toContain('announcement withdrawn');
  });

  it('shows every condition in plan and --dry-run, executing nothing', async () => {
    const dry = await golive(['run', 'conditions.yaml', '--env', 'production', '--dry-run']);
    expect(dry.code, both(dry)).toBe(0);
    expect(dry.stdout).toContain("when:     {{ environment }} == 'production' && {{ steps.migrate.outputs.changed }} != 'no'");
    expect(dry.stdout).toContain("change-approved (when {{ environment }} == 'production')");
    expect(dry.stdout).toContain("(when {{ steps.migrate.outputs.changed }} == 'yes')");
    expect(dry.stdout).not.toContain('│ schema migrated');
    const plan = JSON.parse((await golive(['plan', 'conditions.yaml', '--env', 'uat', '--json'])).stdout) as {
      checks: Array<{ when?: string }>;
      steps: Array<{ id: string; when?: string; rollback: { when?: string } | null }>;
    };
    expect(plan.steps.find((s) => s.id === 'seed-test-data')?.when).toBe("{{ vars.seed }} && {{ environment }} in ['uat', 'staging']");
    expect(plan.checks[0]?.when).toBe("{{ environment }} == 'production'");
    expect(plan.steps.find((s) => s.id === 'migrate')?.rollback?.when).toBe("{{ steps.migrate.outputs.changed }} == 'yes'");
  });

  it('runs a rollback only when its condition holds, and records the one it skipped as having nothing to undo', async () => {
    writeFileSync(
      join(dir, 'undo-if.yaml'),
      [
        'golive: 1',
        'name: undo-if',
        'steps:',
        '  - id: migrate',
        '    run: echo "changed=no" >> "$GOLIVE_OUTPUT"',
        '    rollback: { run: echo "schema restored", when: "{{ steps.migrate.outputs.changed }} == \'yes\'" }',
        '  - id: broken',
        '    run: exit 1',
        '    on_failure: rollback',
        '',
      ].join('\n'),
    );
    const run = await golive(['run', 'undo-if.yaml']);
    expect(run.code, both(run)).toBe(1);
    expect(run.stdout).not.toContain('schema restored');
    expect(run.stdout).toContain("migrate: rolled-back — nothing to undo: condition false: {{ steps.migrate.outputs.changed }} == 'yes'");
  });
});

describe('line endings', () => {
  it('reads a runbook saved with old Mac OS line endings (CR alone) as lines, and runs it', async () => {
    writeFileSync(join(dir, 'mac.yaml'), 'golive: 1\rname: mac\rsteps:\r  - id: hello\r    run: echo "hello from CR"\r');
    const validate = await golive(['validate', 'mac.yaml']);
    expect(validate.stdout, both(validate)).toContain('✔ mac.yaml is valid');
    const run = await golive(['run', 'mac.yaml']);
    expect(run.code, both(run)).toBe(0);
    expect(run.stdout).toContain('hello from CR');
  });
});

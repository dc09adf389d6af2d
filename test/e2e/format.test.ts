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
  it('resolves vars from vars, the environment name and env, reads each environment\'s own secret files, masks them', async () => {
    const uat = await golive(['run', 'composed.yaml', '--env', 'uat'], { DEPLOY_TAG: 'rc1' });
    expect(uat.code, both(uat)).toBe(0);
    expect(uat.stdout).toContain('deploying 2.4-rc1 to https://uat.example.test/uat');
    expect(uat.stdout).toContain('checking https://uat.example.test/uat/health');
    expect(uat.stdout).toContain(`api key has ${'uat-api-key-1111'.length} characters; database login ***`);
    const production = await golive(['plan', 'composed.yaml', '--env', 'production'], { DEPLOY_TAG: 'rc2' });
    expect(production.stdout, both(production)).toContain('deploying 2.4-rc2 to https://shop.example.test/production');
    expect(production.stdout).not.toContain('no such file');
  });

  it('refuses to start when a var uses an unset {{ env.X }}, and when this environment\'s secret file is missing', async () => {
    const unset = await golive(['run', 'composed.yaml', '--env', 'uat'], { DEPLOY_TAG: undefined });
    expect(unset.code, both(unset)).toBe(2);
    expect(unset.stderr).toContain('environment variable DEPLOY_TAG is not set (used as {{ env.DEPLOY_TAG }})');
    cpSync(join(dir, 'composed.yaml'), join(dir, 'composed-staging.yaml'));
    const text = readFileSync(join(dir, 'composed.yaml'), 'utf8').replace('name: composed', 'name: composed-staging').replace('  production:', '  staging:\n    vars: { domain: staging.example.test }\n  production:');
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

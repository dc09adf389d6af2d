/**
 * The runbook format's newer keys, through the built binary, with each
 * feature's example runbook copied into a temp dir (so its journal and state
 * stay there): YAML reuse, composed variables and per-environment secrets,
 * retries by exit code, and conditions.
 */
import { cpSync, readFileSync } from 'node:fs';
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

const golive = (args: string[], env: Record<string, string> = {}) => runGolive(args, { cwd: dir, env: { CI: 'true', ...env } });

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

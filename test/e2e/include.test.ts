/**
 * Reusable steps end to end (examples/include.yaml): one step template
 * included twice with different params, run by the built binary, then rolled
 * back from a new process after the included file was deleted — the rollback
 * must use the text the run recorded, not today's files.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const golive = (args: string[]) => runGolive(args, { cwd: dir, env: { CI: 'true' } });
const log = () => readFileSync(join(dir, '.golive', 'include', 'log'), 'utf8');

describe('include: (examples/include.yaml)', () => {
  it('plans and runs the template twice, then rolls back from the recorded text after the included file is gone', async () => {
    const plan = await golive(['plan', 'include.yaml']);
    expect(plan.code, both(plan)).toBe(0);
    expect(plan.stdout).toContain('restart-api — Restart api on port 8080');
    expect(plan.stdout).toContain('restart-worker — Restart worker on port 9090');

    const run = await golive(['run', 'include.yaml', '--json']);
    expect(run.code, both(run)).toBe(0);
    expect(log()).toBe('prepare\nrestart api:8080\nrestart worker:9090\n');
    const started = JSON.parse(run.stdout.split('\n')[0]) as { runId: string; steps: string[]; included: Record<string, string> };
    expect(started.steps).toEqual(['prepare', 'restart-api', 'restart-worker']);
    const template = readFileSync(join(dir, 'steps', 'restart-service.yaml'), 'utf8');
    expect(started.included).toEqual({ 'steps/restart-service.yaml': template });

    rmSync(join(dir, 'steps', 'restart-service.yaml'));
    const validate = await golive(['validate', 'include.yaml']);
    expect(validate.code).toBe(2);
    expect(validate.stdout + validate.stderr).toContain('E036');

    const rollback = await golive(['rollback', started.runId]);
    expect(rollback.code, both(rollback)).toBe(0);
    expect(log()).toBe('prepare\nrestart api:8080\nrestart worker:9090\nundo restart worker\nundo restart api\nundo prepare\n');

    const audit = await golive(['audit', 'verify']);
    expect(audit.code, both(audit)).toBe(0);
  });

  it('reports a problem inside an included file at its own position, with where it was included from', async () => {
    writeFileSync(join(dir, 'bad-steps.yaml'), '- id: deploy\n  run: ./deploy.sh\n  timout: 5m\n');
    writeFileSync(join(dir, 'bad.yaml'), 'golive: 1\nname: bad\nsteps:\n  - include: bad-steps.yaml\n');
    const validate = await golive(['validate', 'bad.yaml']);
    expect(validate.code).toBe(2);
    expect(validate.stdout + validate.stderr).toContain('bad-steps.yaml:3:3');
    expect(validate.stdout + validate.stderr).toContain('(included from bad.yaml:4)');
  });

  it('runs included members of a parallel group, and rolls them back from a new process after their file is gone', async () => {
    const state = join(dir, '.golive', 'warm');
    writeFileSync(
      join(dir, 'warm-member.yaml'),
      '- id: "warm-{{ params.region }}"\n  run: echo warm > "{{ vars.state }}/{{ params.region }}"\n  rollback: rm "{{ vars.state }}/{{ params.region }}"\n',
    );
    writeFileSync(
      join(dir, 'warm.yaml'),
      [
        'golive: 1',
        'name: warm',
        `vars: { state: "${state}" }`,
        'steps:',
        '  - id: prepare',
        '    run: mkdir -p "{{ vars.state }}"',
        '    rollback: rmdir "{{ vars.state }}"',
        '  - id: warm-caches',
        '    parallel:',
        '      - include: { file: warm-member.yaml, params: { region: eu } }',
        '      - include: { file: warm-member.yaml, params: { region: us } }',
        '',
      ].join('\n'),
    );
    const run = await golive(['run', 'warm.yaml', '--json']);
    expect(run.code, both(run)).toBe(0);
    const started = JSON.parse(run.stdout.split('\n')[0]) as { runId: string; steps: string[] };
    expect(started.steps).toEqual(['prepare', 'warm-eu', 'warm-us']);
    expect(readFileSync(join(state, 'eu'), 'utf8')).toBe('warm\n');
    expect(readFileSync(join(state, 'us'), 'utf8')).toBe('warm\n');

    rmSync(join(dir, 'warm-member.yaml'));
    const rollback = await golive(['rollback', started.runId]);
    expect(rollback.code, both(rollback)).toBe(0);
    expect(existsSync(state)).toBe(false);
  });
});

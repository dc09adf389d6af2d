/**
 * Step outputs that contain a secret: refused with a warning naming them,
 * never passed on as `***`; a command that refers to one fails before it
 * starts, in the run and in a rollback rebuilt from the journal.
 */
import { describe, expect, it } from 'vitest';
import { type OutputValues, type RefusedOutputs, recordStepOutputs, refusedReferences } from '../../src/engine/outputs.js';
import { foldRunChain } from '../../src/engine/run-state.js';
import { harness, priorFrom } from './harness.js';

const SECRET = 'tok-Zx81-secret';

const RUNBOOK = `
golive: 1
name: webshop-release
on_failure: abort
secrets:
  API_TOKEN: { env: API_TOKEN }
steps:
  - id: login
    run: ./login.sh
    rollback: ./logout.sh --session {{ steps.login.outputs.session }}
  - id: deploy
    run: ./deploy.sh --user {{ steps.login.outputs.user }}
  - id: use
    run: ./use.sh --session {{ steps.login.outputs.session }}
`;

function withSecret() {
  const h = harness(RUNBOOK, { options: { secrets: { API_TOKEN: SECRET } } });
  h.runner.on('./login.sh', { outputs: { user: 'deployer', session: `s-${SECRET}` } });
  return h;
}

describe('an output that contains a secret', () => {
  it('is not kept: a warning names it, never its value, and step.finished records the refusal', async () => {
    const h = withSecret();
    await h.run();
    const finished = h.log.ofKind('step.finished').find((e) => e.stepId === 'login')!;
    expect(finished.outputs).toEqual({ user: 'deployer' });
    expect(finished.refusedOutputs).toEqual(['session']);
    const warnings = h.log.ofKind('warning').filter((e) => e.stepId === 'login');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/^output "session" of step login was not kept because it contains a secret/);
    expect(JSON.stringify(h.log.events)).not.toContain(SECRET);
  });

  it('makes a later command that uses it fail before it starts, instead of receiving ***', async () => {
    const h = withSecret();
    const result = await h.run();
    expect(h.runner.commands).toEqual(['./login.sh', './deploy.sh --user deployer']);
    expect(h.runner.commands.join('\n')).not.toContain('***');
    const use = h.log.ofKind('step.finished').find((e) => e.stepId === 'use')!;
    expect(use).toMatchObject({ status: 'failed', exitCode: null });
    expect(use.message).toMatch(/^could not start: refers to \{\{ steps\.login\.outputs\.session \}\}, which golive did not keep because it contains a secret/);
    expect(h.log.ofKind('step.spawned').map((e) => e.stepId)).not.toContain('use');
    expect(result.exitCode).toBe(3);
  });

  it('fails the same way in a rollback run hours later, from the journal', async () => {
    const first = withSecret();
    await first.run();
    expect(foldRunChain(first.log.events).refusedOutputs).toEqual({ login: ['session'] });

    const later = harness(RUNBOOK, { options: { mode: 'rollback', runId: 'run-3', secrets: { API_TOKEN: SECRET } } });
    await later.rollback('rollback requested by ana', priorFrom(first.log.events, { parentRunId: 'run-2' }));
    expect(later.runner.commands.filter((c) => c.startsWith('./logout.sh'))).toEqual([]);
    const logout = later.log.ofKind('step.finished').find((e) => e.phase === 'rollback' && e.stepId === 'login')!;
    expect(logout).toMatchObject({ status: 'failed', exitCode: null });
    expect(logout.message).toContain('{{ steps.login.outputs.session }}');
  });
});

describe('recordStepOutputs', () => {
  it("drops an earlier attempt's value of a refused output, and a later clean value lifts the refusal", () => {
    const values: OutputValues = {};
    const refused: RefusedOutputs = {};
    recordStepOutputs(values, refused, 'a', { x: 'first', y: 'kept' });
    recordStepOutputs(values, refused, 'a', {}, ['x']);
    expect(values).toEqual({ a: { y: 'kept' } });
    expect(refused).toEqual({ a: ['x'] });
    recordStepOutputs(values, refused, 'a', { x: 'clean' });
    expect(values).toEqual({ a: { x: 'clean', y: 'kept' } });
    expect(refused).toEqual({});
  });

  it('finds references to refused outputs only, each once', () => {
    const refused: RefusedOutputs = { a: ['x'] };
    expect(refusedReferences(['echo {{ steps.a.outputs.x }} {{steps.a.outputs.x}}', '{{ steps.a.outputs.y }}', undefined, 'plain'], refused)).toEqual([
      '{{ steps.a.outputs.x }}',
    ]);
    expect(refusedReferences(['{{ steps.b.outputs.x }}'], refused)).toEqual([]);
  });
});

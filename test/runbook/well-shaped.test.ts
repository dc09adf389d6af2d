/**
 * Every problem at once: the rules run on the well-shaped part of a runbook
 * the schema rejected, so rule errors appear with the schema errors, at
 * their own positions, and nothing is reported twice or invented.
 */
import { describe, expect, it } from 'vitest';
import { loadRunbookText } from '../../src/runbook/load.js';
import { validateAgainstSchema } from '../../src/runbook/schema-validator.js';
import { wellShapedPart } from '../../src/runbook/well-shaped.js';

const lines = (text: string) => loadRunbookText('runbook.yaml', text).diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`);

describe('wellShapedPart', () => {
  it('cuts a bad field out of its step and stands in for a missing id, keeping every index', () => {
    const data = {
      golive: 1,
      name: 'x',
      steps: [{ id: 'a', run: 'true', timeout: 'soon' }, { parallel: [{ id: 'b', run: 'true' }] }, { id: 'c.d', run: 'true' }],
    };
    const repaired = wellShapedPart(data, validateAgainstSchema(data), validateAgainstSchema) as typeof data;
    expect(repaired.steps).toEqual([
      { id: 'a', run: 'true' },
      { id: 'invalid-id-steps-1', parallel: [{ id: 'b', run: 'true' }] },
      { id: 'invalid-id-steps-2', run: 'true' },
    ]);
    expect(validateAgainstSchema(repaired)).toEqual([]);
    expect(data.steps[0]).toHaveProperty('timeout'); // the original is untouched
  });

  it('gives up on a `!!binary` value where a map belongs (a byte array has no keys to cut), reporting the schema errors', () => {
    const found = lines('golive: 1\nname: x\nteam:\n  dba: !!binary AAAA\nsteps:\n  - id: a\n    run: "true"\n');
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((line) => /^\d+:\d+ E0\d\d$/.test(line))).toBe(true);
    const steps = lines('golive: 1\nname: x\nsteps:\n  - !!binary AAAA\n');
    expect(steps.length).toBeGreaterThan(0);
  });

  it('keeps a variable with a bad value by name, so references to it stay valid', () => {
    const data = { golive: 1, name: 'x', vars: { list: [1, 2] }, steps: [{ id: 'a', run: 'echo {{ vars.list }}' }] };
    expect((wellShapedPart(data, validateAgainstSchema(data), validateAgainstSchema) as { vars: object }).vars).toEqual({ list: '' });
  });

  it('gives up when the document itself is not a runbook (no steps, wrong format)', () => {
    for (const data of [
      { golive: 1, name: 'x' },
      { golive: 2, name: 'x', steps: [] },
      { golive: 1, name: 'x', steps: 'deploy' },
    ]) {
      expect(wellShapedPart(data, validateAgainstSchema(data), validateAgainstSchema)).toBeUndefined();
    }
  });
});

describe('loading a runbook with schema and rule problems', () => {
  it('reports both kinds in one pass', () => {
    expect(
      lines(
        [
          'golive: 1',
          'name: demo',
          'steps:',
          '  - id: deploy',
          '    run: ./deploy.sh {{ vars.nope }}',
          '    timeout: soon',
          '  - id: check',
          '    run: ./check.sh {{ steps.later.outputs.x }}',
          '    retries: 3',
          '  - id: later',
          '    run: ./later.sh',
          '    owner: dba',
        ].join('\n'),
      ),
    ).toEqual(['5:22 E021', '6:14 E026', '8:21 E023', '9:5 E010', '12:12 E024']);
  });

  it('reports only the schema errors when the rules have nothing well-shaped to run on', () => {
    expect(lines('golive: 1\nname: demo\nsteps: deploy\n')).toEqual(['3:8 E012']);
  });
});

/**
 * YAML reuse in runbooks: anchors, aliases and `<<:` merge keys are read as
 * YAML 1.1 tools read them, `x-` keys at the top level are ignored, and a
 * number that YAML changed (`1.10` read as 1.1) is a warning with the fix.
 */
import { describe, expect, it } from 'vitest';
import { loadRunbookText } from '../../src/runbook/load.js';
import type { Step } from '../../src/runbook/types.js';

const lines = (text: string) => loadRunbookText('runbook.yaml', text).diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);

describe('anchors, aliases and merge keys', () => {
  it("merges `<<: *anchor` into a step, the step's own keys winning", () => {
    const result = loadRunbookText(
      'runbook.yaml',
      [
        'golive: 1',
        'name: demo',
        'x-defaults: &defaults { timeout: 5m, retry: { attempts: 2 } }',
        'steps:',
        '  - id: a',
        '    <<: *defaults',
        '    run: ./a.sh',
        '    timeout: 1m',
        '  - id: b',
        '    <<: *defaults',
        '    run: ./b.sh',
      ].join('\n'),
    );
    expect(result.diagnostics).toEqual([]);
    const [a, b] = result.runbook!.steps as Step[];
    expect(a).toMatchObject({ id: 'a', run: './a.sh', timeout: '1m', retry: { attempts: 2 } });
    expect(b).toMatchObject({ id: 'b', run: './b.sh', timeout: '5m', retry: { attempts: 2 } });
  });

  it('ignores `x-` keys at the top level only', () => {
    expect(lines('golive: 1\nname: demo\nx-notes: [anything, { at: all }]\nsteps: [{ id: a, run: "true" }]\n')).toEqual([]);
    expect(lines('golive: 1\nname: demo\nsteps: [{ id: a, run: "true", x-note: hi }]\n')).toEqual(['3:31 E010 unknown key `x-note` in steps[0]']);
  });

  it('names an alias without an anchor at its position, never as an alias bomb', () => {
    expect(lines('golive: 1\nname: demo\nsteps:\n  - id: a\n    run: *cmd\n  - id: b\n    run: *other\n')).toEqual([
      '5:10 E002 unknown alias `cmd`',
      '7:10 E002 unknown alias `other`',
    ]);
  });
});

describe('numbers YAML changed', () => {
  it('warns for a variable whose number prints differently, not for one that prints the same', () => {
    const text = 'golive: 1\nname: demo\nvars: { a: 1.10, b: 1.5, c: 010, d: "1.10", e: 42 }\nsteps: [{ id: a, run: "true" }]\n';
    const result = loadRunbookText('runbook.yaml', text);
    expect(result.failed).toBe(false);
    expect(result.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message} | ${d.hint}`)).toEqual([
      '3:12 W002 YAML reads `1.10` as the number 1.1, so commands get `1.1` | quote it to keep the text: a: "1.10"',
      '3:29 W002 YAML reads `010` as the number 10, so commands get `10` | quote it to keep the text: c: "010"',
    ]);
  });
});

describe('did you mean, for keys other tools use', () => {
  const hint = (text: string) => loadRunbookText('runbook.yaml', text).diagnostics.map((d) => d.hint);
  it('suggests `when` for `if`, never `id`, and lists the keys where no condition can go', () => {
    expect(hint('golive: 1\nname: demo\nsteps: [{ id: a, run: "true", if: "{{ environment }} == \'x\'" }]\n')).toEqual(['did you mean `when`?']);
    expect(hint('golive: 1\nname: demo\nsteps: [{ id: g, if: x, parallel: [{ id: a, run: "true" }] }]\n')).toEqual(['allowed keys: id, title, parallel']);
  });
});

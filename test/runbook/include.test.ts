/**
 * include.ts: expansion of `include:` entries from disk and from a run's
 * recorded texts, nested includes, params, and where problems are reported.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunbookFile, loadRunbookText } from '../../src/runbook/load.js';
import { removeTempDirs, tempDir } from '../e2e/helpers.js';

afterAll(() => {
  removeTempDirs();
});

const RUNBOOK = 'golive: 1\nname: demo\nsteps:\n  - include: { file: parts/outer.yaml, params: { who: api, port: 8080 } }\n';
const OUTER = '- id: "outer-{{ params.who }}"\n  run: echo outer\n- include: { file: inner.yaml, params: { who: "{{ params.who }}-{{ params.port }}" } }\n';
const INNER = '- id: "inner-{{ params.who }}"\n  run: echo inner\n';

describe('include', () => {
  it('expands nested includes relative to the including file, with params, and records every text', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'parts'));
    writeFileSync(join(dir, 'runbook.yaml'), RUNBOOK);
    writeFileSync(join(dir, 'parts', 'outer.yaml'), OUTER);
    writeFileSync(join(dir, 'parts', 'inner.yaml'), INNER);
    const result = loadRunbookFile(join(dir, 'runbook.yaml'));
    expect(result.diagnostics).toEqual([]);
    expect(result.runbook?.steps.map((s) => ('id' in s ? s.id : undefined))).toEqual(['outer-api', 'inner-api-8080']);
    expect(result.source?.included).toEqual({ 'parts/outer.yaml': OUTER, 'parts/inner.yaml': INNER });
  });

  it('rebuilds a snapshot from the recorded texts only, never from disk', () => {
    const file = join(tempDir(), 'runbook.yaml');
    const recorded = { 'parts/outer.yaml': OUTER, 'parts/inner.yaml': INNER };
    const result = loadRunbookText(file, RUNBOOK, {}, recorded);
    expect(result.failed).toBe(false);
    expect(result.runbook?.steps).toHaveLength(2);

    const missing = loadRunbookText(file, RUNBOOK, {}, { 'parts/outer.yaml': OUTER });
    expect(missing.diagnostics.map((d) => ({ file: d.file, at: `${d.line}:${d.col}`, code: d.code, message: d.message }))).toEqual([
      {
        file: join(file, '..', 'parts', 'outer.yaml'),
        at: '3:20',
        code: 'E036',
        message: `cannot include \`inner.yaml\`: the run's snapshot does not hold it (included from ${file}:4)`,
      },
    ]);
  });

  it('reports a problem two includes deep in its own file, with the whole way it was included', () => {
    const file = join(tempDir(), 'runbook.yaml');
    const badInner = '- id: "inner-{{ params.who }}"\n  run: 42\n';
    const result = loadRunbookText(file, RUNBOOK, {}, { 'parts/outer.yaml': OUTER, 'parts/inner.yaml': badInner });
    const [problem, ...more] = result.diagnostics;
    expect(more).toEqual([]);
    expect(problem).toMatchObject({ file: join(file, '..', 'parts', 'inner.yaml'), line: 2, col: 8, code: 'E012' });
    expect(problem?.message).toMatch(/\(included from .*parts\/outer\.yaml:3\) \(included from .*runbook\.yaml:4\)$/);
  });

  it("expands includes inside a parallel group's members, also in a group that was itself included", () => {
    const file = join(tempDir(), 'runbook.yaml');
    const runbook = [
      'golive: 1',
      'name: demo',
      'steps:',
      '  - id: warm',
      '    parallel:',
      '      - { id: warm-eu, run: echo eu }',
      '      - include: { file: parts/member.yaml, params: { region: us } }',
      '  - include: parts/group.yaml',
      '',
    ].join('\n');
    const member = '- id: "warm-{{ params.region }}"\n  run: echo {{ params.region }}\n';
    const group = '- id: drain\n  parallel:\n    - include: { file: member.yaml, params: { region: ap } }\n';
    const result = loadRunbookText(file, runbook, {}, { 'parts/member.yaml': member, 'parts/group.yaml': group });
    expect(result.diagnostics).toEqual([]);
    const members = result.runbook?.steps.map((s) => ('parallel' in s ? s.parallel.map((m) => m.id) : []));
    expect(members).toEqual([['warm-eu', 'warm-us'], ['warm-ap']]);

    // A problem in an included member is reported in the member's file, with the way it was included.
    const badMember = '- id: "warm-{{ params.region }}"\n  run: 42\n';
    const bad = loadRunbookText(file, runbook, {}, { 'parts/member.yaml': badMember, 'parts/group.yaml': group });
    expect(bad.diagnostics.map((d) => ({ file: d.file, at: `${d.line}:${d.col}`, code: d.code, message: d.message }))).toEqual([
      { file: join(file, '..', 'parts', 'member.yaml'), at: '2:8', code: 'E012', message: expect.stringMatching(/\(included from .*runbook\.yaml:7\)$/) },
      {
        file: join(file, '..', 'parts', 'member.yaml'),
        at: '2:8',
        code: 'E012',
        message: expect.stringMatching(/\(included from .*parts\/group\.yaml:3\) \(included from .*runbook\.yaml:8\)$/),
      },
    ]);
  });
});

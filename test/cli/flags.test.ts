/** `--var`: parsing the flag, and refusing names the runbook does not declare. */
import { describe, expect, it } from 'vitest';
import { collectVar } from '../../src/cli/flags.js';
import { GoliveError } from '../../src/errors.js';
import { resolvePlan } from '../../src/runbook/plan.js';
import { sourceFromText } from '../../src/runbook/source.js';
import type { Runbook } from '../../src/runbook/types.js';
import { declaredVarNames, flagVarProblems } from '../../src/runbook/vars.js';

const runbook: Runbook = {
  golive: 1,
  name: 'demo',
  vars: { release: '1.0', fail_config: false },
  environments: { uat: { vars: { base_url: 'http://x' } }, production: {} },
  steps: [{ id: 'a', run: 'true' }],
};

describe('collectVar', () => {
  it('collects repeated --var flags into own keys, `__proto__` included', () => {
    const vars = ['release=2.0', '__proto__=x', 'empty='].reduce<Record<string, string> | undefined>((previous, raw) => collectVar(raw, previous), undefined)!;
    expect(Object.keys(vars)).toEqual(['release', '__proto__', 'empty']);
    expect(vars.release).toBe('2.0');
    expect(Object.hasOwn(vars, '__proto__')).toBe(true);
    expect(vars.empty).toBe('');
  });

  it('refuses the same name twice (exit 2), naming it', () => {
    const first = collectVar('release=1');
    expect(() => collectVar('release=2', first)).toThrow(/--var release is given twice/);
    try {
      collectVar('release=2', first);
    } catch (error) {
      expect(error).toBeInstanceOf(GoliveError);
      expect((error as GoliveError).exitCode).toBe(2);
    }
  });

  it('refuses a flag without a name', () => {
    expect(() => collectVar('=x')).toThrow(/expected name=value/);
    expect(() => collectVar('no-equals')).toThrow(/expected name=value/);
  });
});

describe('flagVarProblems', () => {
  it('knows the names declared at top level and in any environment', () => {
    expect([...declaredVarNames(runbook)].sort()).toEqual(['base_url', 'fail_config', 'release']);
    expect(flagVarProblems(runbook, { release: '2', base_url: 'y', fail_config: 'true' })).toEqual([]);
  });

  it('refuses an undeclared name with a did-you-mean, and an inherited member name', () => {
    const [typo] = flagVarProblems(runbook, { fail_confg: 'true' });
    expect(typo.message).toBe('--var fail_confg: the runbook declares no variable `fail_confg`');
    expect(typo.hint).toBe('did you mean `--var fail_config=…`?');
    expect(flagVarProblems(runbook, { constructor: 'x' }).map((p) => p.name)).toEqual(['constructor']);
    expect(flagVarProblems({ ...runbook, vars: undefined, environments: undefined }, { x: '1' })[0].hint).toBe('declare it under `vars:` first');
  });

  it('refuses a value no process can receive (over MAX_ARG_STRLEN)', () => {
    const [problem] = flagVarProblems(runbook, { release: 'x'.repeat(131_072) });
    expect(problem.message).toMatch(/--var release: the value is 131072 bytes: `release=value` must fit in 131072 bytes/);
  });
});

describe('resolvePlan vars', () => {
  it('keeps `__proto__` and `constructor` as plain variables', () => {
    const vars = collectVar('__proto__=p', collectVar('constructor=c'));
    const plan = resolvePlan(sourceFromText('demo.yaml', ''), { ...runbook, vars: { constructor: 'top' } }, { environment: 'uat', vars });
    expect(plan.vars.constructor).toBe('c');
    expect(Object.hasOwn(plan.vars, '__proto__')).toBe(true);
    expect(plan.vars.base_url).toBe('http://x');
  });
});

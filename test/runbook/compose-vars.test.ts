/** Composed variables and dotenv secret files: resolution order, literals, cycles, and the dotenv lines golive reads. */
import { describe, expect, it } from 'vitest';
import { composeVars, varCycles } from '../../src/runbook/compose-vars.js';
import { dotenvValue } from '../../src/runbook/dotenv.js';
import { loadRunbookText } from '../../src/runbook/load.js';
import { resolvePlan } from '../../src/runbook/plan.js';

describe('composeVars', () => {
  it('resolves in dependency order whatever the order of declaration', () => {
    const vars = composeVars(
      { health: '{{ vars.base }}/health', base: 'https://{{ vars.host }}', host: '{{ environment }}.{{ env.DOMAIN }}', plain: '1.10' },
      new Set(),
      { environment: 'uat', env: { DOMAIN: 'example.test' } },
    );
    expect({ ...vars }).toEqual({ health: 'https://uat.example.test/health', base: 'https://uat.example.test', host: 'uat.example.test', plain: '1.10' });
  });

  it('takes literal values (--var, a stored run) as written, and an unset env var as empty', () => {
    const vars = composeVars({ a: '{{ vars.b }}!', b: '{{ vars.c }}', c: '{{ env.NOPE }}' }, new Set(['b']), { environment: '', env: {} });
    expect({ ...vars }).toEqual({ a: '{{ vars.c }}!', b: '{{ vars.c }}', c: '' });
  });

  it('leaves a cycle unresolved instead of looping (validation reports it first)', () => {
    const vars = composeVars({ a: '{{ vars.b }}', b: '{{ vars.a }}' }, new Set(), { environment: '', env: {} });
    expect(vars.a).toContain('{{');
  });
});

describe('varCycles', () => {
  it('finds each cycle once, as a path back to its start, and nothing in a chain', () => {
    expect(varCycles({ a: '{{ vars.b }}', b: '{{ vars.c }}', c: '{{ vars.a }}', d: '{{ vars.a }}', e: 'x' })).toEqual([['a', 'b', 'c', 'a']]);
    expect(varCycles({ self: 'x{{ vars.self }}' })).toEqual([['self', 'self']]);
    expect(varCycles({ a: '{{ vars.b }}', b: '{{ vars.c }}', c: 'end' })).toEqual([]);
  });
});

describe('resolvePlan with composed vars', () => {
  it('composes per environment, and keeps the text as written for the unset-env check', () => {
    const text =
      'golive: 1\nname: d\nenvironments: { uat: { vars: { host: u.test } }, production: { vars: { host: p.test } } }\nvars: { url: "https://{{ vars.host }}/{{ env.TAG }}" }\nsteps: [{ id: a, run: "echo {{ vars.url }}" }]\n';
    const loaded = loadRunbookText('r.yaml', text);
    expect(loaded.diagnostics).toEqual([]);
    const plan = resolvePlan(loaded.source!, loaded.runbook!, { environment: 'production', env: { TAG: 'rc1' } });
    expect(plan.vars.url).toBe('https://p.test/rc1');
    expect({ ...plan.varTemplates }).toEqual({ url: 'https://{{ vars.host }}/{{ env.TAG }}' });
  });
});

describe('dotenvValue', () => {
  const text = [
    '# comment',
    '',
    'export USER=shop',
    "SINGLE='a \\n b # not a comment'",
    'DOUBLE="line\\nnext \\"q\\""',
    'PLAIN=value # comment',
    'SPACED = x',
    'USER=last',
    'lower_case=ok',
  ].join('\n');
  it.each([
    ['USER', 'last'],
    ['SINGLE', 'a \\n b # not a comment'],
    ['DOUBLE', 'line\nnext "q"'],
    ['PLAIN', 'value'],
    ['SPACED', 'x'],
    ['lower_case', 'ok'],
  ])('%s', (name, value) => expect(dotenvValue(text, name)).toBe(value));
  it('has no value for a name no line sets, nor for a comment', () => {
    expect(dotenvValue(text, 'MISSING')).toBeUndefined();
    expect(dotenvValue('# KEY=1\n', 'KEY')).toBeUndefined();
  });
});

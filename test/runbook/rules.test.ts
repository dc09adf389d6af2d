/**
 * The semantic rules, one at a time, on small runbooks; then the loader on
 * runbooks that are valid (or only warned about) although they come close to
 * a rule.
 */

import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import type { Diagnostic } from '../../src/runbook/diagnostics.js';
import { durationsFitTimers, idsFitFileNames, valuesCanBeSpawned } from '../../src/runbook/limit-rules.js';
import { loadRunbookText } from '../../src/runbook/load.js';
import { PositionIndex } from '../../src/runbook/positions.js';
import {
  checkRules,
  knownEnvironment,
  noPromptsInParallel,
  ownersInTeam,
  type Rule,
  type RuleContext,
  templatesResolve,
  timeoutsCoverDurations,
  uniqueIds,
  windowIsOrdered,
} from '../../src/runbook/rules.js';
import type { Runbook } from '../../src/runbook/types.js';

/** Run one rule over YAML text; returns `line:col CODE message` lines. */
function runRule(rule: Rule, yaml: string, options: { environment?: string; extraVars?: string[] } = {}): string[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter });
  const positions = new PositionIndex(doc, lineCounter, yaml);
  const found: string[] = [];
  const ctx: RuleContext = {
    runbook: doc.toJS() as Runbook,
    positions,
    environment: options.environment,
    extraVars: options.extraVars ?? [],
    report({ path, code, message, at = 'value' }) {
      const where = at === 'key' ? positions.keyOf(path) : at === 'value' ? positions.valueAt(path) : positions.within(path, at.needle, at.occurrence);
      found.push(`${where.line}:${where.col} ${code} ${message}`);
    },
  };
  rule(ctx);
  return found;
}

const lines = (...text: string[]) => `${text.join('\n')}\n`;

describe('templatesResolve', () => {
  it('lets a step use its own outputs in its validate and rollback, in every form', () => {
    const yaml = lines(
      'golive: 1',
      'name: demo',
      'steps:',
      '  - id: backup',
      '    run: ./backup.sh > "$GOLIVE_OUTPUT"',
      '    validate: test -n "{{ steps.backup.outputs.id }}"',
      '    rollback:',
      '      run: ./restore.sh {{ steps.backup.outputs.id }}',
      '      validate: { run: "./check.sh {{ steps.backup.outputs.id }}" }',
      '  - id: deploy',
      '    run: ./deploy.sh --after {{ steps.backup.outputs.id }}',
      '    validate: { run: "./check.sh {{ steps.deploy.outputs.version }}", attempts: 3 }',
      '    rollback: ./undo.sh {{ steps.deploy.outputs.version }} {{ steps.backup.outputs.id }}',
    );
    expect(runRule(templatesResolve, yaml)).toEqual([]);
  });

  it('counts only own keys: vars.constructor is unknown, with or without environments', () => {
    const bare = lines('golive: 1', 'name: demo', 'vars: { release: 1 }', 'steps:', '  - id: a', '    run: echo {{ vars.constructor }} {{ vars.toString }}');
    expect(runRule(templatesResolve, bare)).toEqual(['6:15 E021 unknown variable vars.constructor', '6:38 E021 unknown variable vars.toString']);
    const withEnvironments = lines(
      'golive: 1',
      'name: demo',
      'environments:',
      '  uat: { vars: { url: x } }',
      'steps:',
      '  - id: a',
      '    run: echo {{ vars.constructor }}',
    );
    expect(runRule(templatesResolve, withEnvironments)).toEqual(['7:15 E021 unknown variable vars.constructor']);
    expect(runRule(templatesResolve, withEnvironments, { environment: 'uat' })).toEqual(['7:15 E021 unknown variable vars.constructor']);
  });

  it("rejects a step's own outputs in its run: they do not exist before it runs", () => {
    const yaml = lines('golive: 1', 'name: demo', 'steps:', '  - id: deploy', '    run: ./deploy.sh {{ steps.deploy.outputs.version }}');
    expect(runRule(templatesResolve, yaml)).toEqual(['5:22 E023 step `deploy` cannot use outputs of step `deploy`: it has not run yet at that point']);
  });

  it('rejects a parallel sibling, but lets later steps use any member of an earlier group', () => {
    const yaml = lines(
      'golive: 1',
      'name: demo',
      'steps:',
      '  - id: warm',
      '    parallel:',
      '      - id: eu',
      '        run: ./warm.sh eu {{ steps.us.outputs.n }}',
      '      - id: us',
      '        run: ./warm.sh us {{ steps.eu.outputs.n }}',
      '  - id: report',
      '    run: ./report.sh {{ steps.eu.outputs.n }} {{ steps.us.outputs.n }}',
    );
    expect(runRule(templatesResolve, yaml)).toEqual([
      '7:27 E023 step `eu` cannot use outputs of step `us`: it has not run yet at that point',
      '9:27 E023 step `us` cannot use outputs of step `eu`: it has not run yet at that point',
    ]);
  });

  it('lets smoke tests and rollback.verify use the outputs of any step, but not checks or notify', () => {
    const yaml = lines(
      'golive: 1',
      'name: demo',
      'checks:',
      '  - id: ready',
      '    run: echo {{ steps.deploy.outputs.v }}',
      'steps:',
      '  - id: deploy',
      '    run: ./deploy.sh',
      'verify:',
      '  - id: smoke',
      '    run: ./smoke.sh {{ steps.deploy.outputs.v }}',
      'rollback:',
      '  verify:',
      '    - run: ./smoke.sh {{ steps.deploy.outputs.v }}',
      'notify:',
      '  - webhook: "https://hooks.example.com/{{ steps.deploy.outputs.v }}"',
    );
    expect(runRule(templatesResolve, yaml)).toEqual([
      '5:15 E023 check `ready` cannot use outputs of step `deploy`: it has not run yet at that point',
      '16:41 E023 notify cannot use outputs of step `deploy`: it has not run yet at that point',
    ]);
  });

  const environments = lines(
    'golive: 1',
    'name: demo',
    'environments:',
    '  uat: { vars: { base_url: "http://127.0.0.1:8080", only_uat: x } }',
    '  production: { vars: { base_url: "https://shop.example.com" } }',
    'steps:',
    '  - id: deploy',
    '    run: ./deploy.sh {{ vars.base_url }} {{ vars.only_uat }}',
  );

  it('accepts a variable defined in every environment, and names the environments missing one', () => {
    expect(runRule(templatesResolve, environments)).toEqual(['8:42 E021 vars.only_uat is not defined for environment production']);
  });

  it('checks against the --env environment alone', () => {
    expect(runRule(templatesResolve, environments, { environment: 'uat' })).toEqual([]);
    expect(runRule(templatesResolve, environments, { environment: 'production' })).toEqual(['8:42 E021 unknown variable vars.only_uat']);
  });

  it('counts --var names and top-level vars as defined everywhere', () => {
    expect(runRule(templatesResolve, environments, { extraVars: ['only_uat'] })).toEqual([]);
    const withTopLevel = environments.replace('steps:', 'vars: { only_uat: fallback }\nsteps:');
    expect(runRule(templatesResolve, withTopLevel, { environment: 'production' })).toEqual([]);
  });

  it('accepts env, run.id and environment without declaring anything', () => {
    const yaml = lines('golive: 1', 'name: demo', 'steps:', '  - id: a', '    run: echo {{ env.HOME }} {{ run.id }} {{ environment }}');
    expect(runRule(templatesResolve, yaml)).toEqual([]);
  });
});

describe('uniqueIds', () => {
  it('shares one namespace across checks, steps, group members and smoke tests', () => {
    const yaml = lines(
      'golive: 1',
      'name: demo',
      'checks: [{ id: a, run: x }]',
      'steps:',
      '  - id: g',
      '    parallel: [{ id: b, run: x }, { id: a, run: x }]',
      'verify: [{ id: g, run: x }]',
      'rollback: { verify: [{ run: x }, { run: y }] }',
    );
    expect(runRule(uniqueIds, yaml)).toEqual([
      '6:41 E020 duplicate id `a` (already used by checks[0])',
      '7:16 E020 duplicate id `g` (already used by steps[0])',
    ]);
  });
});

describe('ownersInTeam', () => {
  it('accepts team roles and suggests the closest one for a typo', () => {
    const yaml = lines(
      'golive: 1',
      'name: demo',
      'team: { dba: { name: Li }, devops: { name: Sam } }',
      'checks: [{ id: c, owner: devops, run: x }]',
      'steps: [{ id: a, owner: dba, run: x }, { id: b, owner: devop, run: x }]',
      'verify: [{ id: v, owner: qa, run: x }]',
    );
    expect(runRule(ownersInTeam, yaml)).toEqual(['5:56 E024 owner `devop` is not a role in `team`', '6:26 E024 owner `qa` is not a role in `team`']);
  });
});

describe('windowIsOrdered', () => {
  const window = (start: string, end: string) =>
    lines('golive: 1', 'name: demo', 'window:', `  start: ${start}`, `  end: ${end}`, 'steps: [{ id: a, run: x }]');

  it('accepts a window that ends after it starts, across offsets', () => {
    expect(runRule(windowIsOrdered, window('2026-12-01T09:00:00+01:00', '2026-12-01T08:30:00Z'))).toEqual([]);
  });

  it('rejects an empty or inverted window at window.end', () => {
    expect(runRule(windowIsOrdered, window('2026-12-01T09:00:00+01:00', '2026-12-01T08:00:00Z'))).toEqual(['5:8 E025 window.end must be after window.start']);
  });

  it('rejects a day the month does not have, and accepts 29 February in a leap year', () => {
    expect(runRule(windowIsOrdered, window('2026-02-29T09:00:00Z', '2026-03-01T09:00:00Z'))).toEqual([
      '4:10 E025 window.start `2026-02-29T09:00:00Z` is not a date-time',
    ]);
    expect(runRule(windowIsOrdered, window('2028-02-29T09:00:00Z', '2028-03-01T09:00:00Z'))).toEqual([]);
  });
});

describe('knownEnvironment', () => {
  const yaml = lines('golive: 1', 'name: demo', 'environments:', '  uat: {}', '  production: {}', 'steps: [{ id: a, run: x }]');

  it('points at `environments` when --env names no environment', () => {
    expect(runRule(knownEnvironment, yaml, { environment: 'staging' })).toEqual(['3:1 E028 environment `staging` is not defined (defined: uat, production)']);
    expect(runRule(knownEnvironment, yaml, { environment: 'uat' })).toEqual([]);
  });

  it('refuses an --env that names an inherited member of an object, never its own key', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(runRule(knownEnvironment, yaml, { environment: name })).toEqual([`3:1 E028 environment \`${name}\` is not defined (defined: uat, production)`]);
    }
  });

  it('refuses an empty --env', () => {
    expect(runRule(knownEnvironment, yaml, { environment: '' })).toEqual(['3:1 E028 the --env value is empty']);
  });

  it('refuses any --env when the runbook defines no environments', () => {
    const bare = lines('golive: 1', 'name: demo', 'steps: [{ id: a, run: x }]');
    expect(runRule(knownEnvironment, bare, { environment: 'uat' })).toEqual(['2:1 E028 this runbook defines no environments, so --env uat cannot be used']);
    expect(runRule(knownEnvironment, bare)).toEqual([]);
  });
});

describe('timeoutsCoverDurations', () => {
  it('warns at the timeout, or at the duration when the default timeout is too short', () => {
    const yaml = lines(
      'golive: 1',
      'name: demo',
      'defaults: { timeout: 5m }',
      'steps:',
      '  - { id: a, run: x, duration: 10m, timeout: 2m }',
      '  - { id: b, run: x, duration: 10m }',
      '  - { id: c, run: x, duration: 600, timeout: 10m }',
      '  - { id: d, run: x, duration: 2m }',
    );
    expect(runRule(timeoutsCoverDurations, yaml)).toEqual([
      '5:46 W001 timeout (2m) is shorter than the expected duration (10m)',
      '6:32 W001 the default timeout (5m) is shorter than the expected duration (10m)',
    ]);
  });
});

describe('noPromptsInParallel', () => {
  it('points at the `confirm` key of a group member', () => {
    const yaml = lines('golive: 1', 'name: demo', 'steps:', '  - id: g', '    parallel:', '      - { id: a, run: x }', '      - { id: b, confirm: ok? }');
    expect(runRule(noPromptsInParallel, yaml)).toEqual(['7:18 E014 a `confirm:` step cannot run inside a parallel group']);
  });
});

describe('checkRules', () => {
  it('runs every rule and reports every problem, each with the file', () => {
    const yaml = lines('golive: 1', 'name: demo', 'steps:', '  - { id: a, owner: nobody, run: "{{ vars.x }}" }', '  - { id: a, run: x }');
    const lineCounter = new LineCounter();
    const doc = parseDocument(yaml, { lineCounter });
    const found = checkRules(doc.toJS() as Runbook, new PositionIndex(doc, lineCounter, yaml), 'demo.yaml');
    expect(found.map((d: Diagnostic) => `${d.file} ${d.code}`).sort()).toEqual(['demo.yaml E020', 'demo.yaml E021', 'demo.yaml E024']);
  });
});

describe('loading runbooks that come close to a rule', () => {
  it("is valid when a step's validate and rollback use its own outputs", () => {
    const result = loadRunbookText(
      'own-outputs.yaml',
      lines(
        'golive: 1',
        'name: own-outputs',
        'steps:',
        '  - id: backup',
        '    run: ./backup.sh > "$GOLIVE_OUTPUT"',
        '    validate: test -n "{{ steps.backup.outputs.backup_id }}"',
        '    rollback: { run: "./restore.sh {{ steps.backup.outputs.backup_id }}", timeout: 20m }',
      ),
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.failed).toBe(false);
    expect(result.runbook?.steps).toHaveLength(1);
  });

  it('is valid with only warnings: a timeout below the expected duration', () => {
    const result = loadRunbookText(
      'warnings.yaml',
      lines('golive: 1', 'name: warnings', 'steps:', '  - id: migrate', '    run: ./migrate.sh', '    duration: 20m', '    timeout: 10m'),
    );
    expect(result.failed).toBe(false);
    expect(result.runbook?.name).toBe('warnings');
    expect(result.diagnostics).toEqual([
      {
        file: 'warnings.yaml',
        line: 7,
        col: 14,
        severity: 'warning',
        code: 'W001',
        message: 'timeout (10m) is shorter than the expected duration (20m)',
        hint: 'raise the timeout, or correct the expected duration',
      },
    ]);
  });

  it('is valid when --env picks an environment that defines the variable', () => {
    const text = lines(
      'golive: 1',
      'name: envs',
      'environments:',
      '  uat: { vars: { base_url: "http://127.0.0.1:8080" } }',
      '  production: {}',
      'steps: [{ id: smoke, run: "curl -fsS {{ vars.base_url }}" }]',
    );
    expect(loadRunbookText('envs.yaml', text, { environment: 'uat' }).failed).toBe(false);
    expect(loadRunbookText('envs.yaml', text).failed).toBe(true);
  });

  it('reads `yes` as text (YAML 1.2), so `run: yes` is a valid command', () => {
    const result = loadRunbookText('yes.yaml', lines('golive: 1', 'name: yes-run', 'steps: [{ id: a, run: yes }]'));
    expect(result.failed).toBe(false);
    expect(result.runbook?.steps[0]).toMatchObject({ run: 'yes' });
  });
});

describe('limits', () => {
  it('refuses a var or step env value over MAX_ARG_STRLEN, and accepts one that just fits', () => {
    const fits = 'x'.repeat(131_072 - 'big='.length - 1);
    const runbook = (value: string) =>
      lines('golive: 1', 'name: demo', `vars: { big: "${value}" }`, 'steps:', '  - id: a', '    run: "true"', `    env: { big: "${value}" }`);
    expect(runRule(valuesCanBeSpawned, runbook(fits))).toEqual([]);
    expect(runRule(valuesCanBeSpawned, runbook(`${fits}y`))).toEqual([
      "3:14 E030 vars.big: the value is 131068 bytes: `big=value` must fit in 131072 bytes (the kernel's MAX_ARG_STRLEN)",
      "7:17 E030 steps[0].env.big: the value is 131068 bytes: `big=value` must fit in 131072 bytes (the kernel's MAX_ARG_STRLEN)",
    ]);
  });

  it('refuses an id one byte over the limit, accepts one at it, group members included', () => {
    const id = (n: number) => 'a'.repeat(n);
    const yaml = lines(
      'golive: 1',
      'name: demo',
      'steps:',
      `  - id: ${id(204)}`,
      '    parallel:',
      `      - { id: ${id(205)}, run: "true" }`,
      `      - { id: b${id(203)}, run: "true" }`,
    );
    expect(runRule(idsFitFileNames, yaml)).toEqual([
      `6:15 E032 steps[0].parallel[0].id: the id is 205 characters long; at most 204 (it names log files, and a file name holds 255 bytes with golive's suffixes)`,
    ]);
  });

  it('refuses a duration one millisecond past what a timer holds', () => {
    const yaml = (d: string) => lines('golive: 1', 'name: demo', 'steps:', '  - id: a', '    run: "true"', `    timeout: ${d}`);
    expect(runRule(durationsFitTimers, yaml('596h31m23s'))).toEqual([]);
    expect(runRule(durationsFitTimers, yaml('596h31m24s'))).toEqual([
      '6:14 E031 steps[0].timeout: `596h31m24s` is longer than the longest duration, 596h31m23s (2^31-1 ms, about 24.8 days: the longest a timer can wait)',
    ]);
  });
});

/**
 * The precompiled runbook schema, through the wrapper the loader uses: what it
 * accepts, and that each mistake yields one error at the right place.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { schemaPath, validateAgainstSchema } from '../../src/runbook/schema-validator.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const validatorFile = fileURLToPath(new URL('../../dist/runbook/schema-validator.cjs', import.meta.url));

beforeAll(() => {
  // `npm test` builds first; when a test is run on its own, build a missing or stale validator.
  if (!existsSync(validatorFile) || statSync(validatorFile).mtimeMs < statSync(schemaPath()).mtimeMs) {
    execFileSync(process.execPath, ['scripts/build-validator.mjs'], { cwd: root, stdio: 'inherit' });
  }
});

/** A runbook using most of the format (the README's "The runbook format"). */
const designExample = `
# yaml-language-server: $schema=../schemas/runbook.schema.json
golive: 1
name: webshop-release
version: 2.4.0
description: Checkout redesign
change: CHG-20481
window:
  start: 2026-12-01T09:00:00+01:00
  end:   2026-12-01T12:00:00+01:00
team:
  deployment-lead: { name: Ana Ruiz, contact: "+34 600 000 000" }
  dba:             { name: Li Wei,  contact: li@example.com }
  devops:          { name: Sam Okafor, contact: "#deploy-bridge" }
environments:
  uat:        { vars: { base_url: "http://127.0.0.1:8080" } }
  production: { vars: { base_url: "https://shop.example.com" }, protected: true }
vars:
  release: 2.4.0
secrets:
  DB_PASSWORD:   { env: DB_PASSWORD }
  SLACK_WEBHOOK: { env: SLACK_WEBHOOK }
defaults: { shell: bash, timeout: 10m }

checks:
  - id: change-approved
    confirm: Is CHG-20481 approved in the change calendar?
  - id: backup-space
    run: test "$(df --output=avail /var/backups | tail -1)" -gt 1000000
    blocking: false

steps:
  - id: backup
    title: Pre-deployment backup
    owner: dba
    run: ./scripts/backup.sh > "$GOLIVE_OUTPUT"
    duration: 15m
    timeout: 30m
    validate: test -n "{{ steps.backup.outputs.backup_id }}"
  - id: deploy
    title: Deploy application code
    owner: devops
    run: ./scripts/deploy.sh {{ vars.release }}
    duration: 10m
    retry: { attempts: 3, delay: 20s }
    validate:
      run: curl -fsS {{ vars.base_url }}/health
      attempts: 30
      interval: 2s
    rollback: ./scripts/deploy.sh --previous
  - id: migrate
    owner: dba
    run: ./scripts/migrate.sh up
    rollback:
      run: ./scripts/restore.sh {{ steps.backup.outputs.backup_id }}
      timeout: 20m
  - id: announce
    confirm: Post the go-live announcement to all users

verify:
  - id: login
    run: curl -fsS {{ vars.base_url }}/login
    severity: critical

rollback:
  verify:
    - run: curl -fsS {{ vars.base_url }}/health

notify:
  - webhook: "{{ secrets.SLACK_WEBHOOK }}"
    every: 15m
`;

/** A valid runbook whose first step is `step`. */
function withStep(step: unknown): unknown {
  return { golive: 1, name: 'shop', steps: [step] };
}

/** The errors, reduced to what a test asserts on, in a stable order (ajv's order follows its keyword groups). */
function errorsOf(data: unknown): { instancePath: string; keyword: string; params: Record<string, unknown> }[] {
  return validateAgainstSchema(data)
    .map(({ instancePath, keyword, params }) => ({ instancePath, keyword, params }))
    .sort((a, b) => `${a.instancePath} ${a.keyword}`.localeCompare(`${b.instancePath} ${b.keyword}`));
}

describe('validateAgainstSchema', () => {
  it('accepts the example runbook of the design', () => {
    expect(validateAgainstSchema(parse(designExample))).toEqual([]);
  });

  it('accepts the smallest runbook, with no steps (a semantic rule reports that)', () => {
    expect(validateAgainstSchema({ golive: 1, name: 'shop', steps: [] })).toEqual([]);
  });

  it('reports a misspelled key in a step once, at the step', () => {
    expect(errorsOf(withStep({ id: 'deploy', run: 'true', timout: '5m' }))).toEqual([
      { instancePath: '/steps/0', keyword: 'additionalProperties', params: { additionalProperty: 'timout' } },
    ]);
  });

  it.each(['10', '', '1.5h', '30m1h', '5 m', '-1s'])('rejects the duration %j with one pattern error', (bad) => {
    expect(errorsOf(withStep({ id: 'deploy', run: 'true', timeout: bad }))).toEqual([
      { instancePath: '/steps/0/timeout', keyword: 'pattern', params: { pattern: '^(?=\\d)(\\d+h)?(\\d+m)?(\\d+s)?$' } },
    ]);
  });

  it.each(['90s', '15m', '1h30m', '2h', '0s', 600, 0.5, 0])('accepts the duration %j', (good) => {
    expect(validateAgainstSchema(withStep({ id: 'deploy', run: 'true', duration: good }))).toEqual([]);
  });

  it('rejects a negative number of seconds and a duration of the wrong type', () => {
    expect(errorsOf(withStep({ id: 'a', run: 'true', timeout: -5, duration: true }))).toEqual([
      { instancePath: '/steps/0/duration', keyword: 'type', params: { type: ['string', 'number'] } },
      { instancePath: '/steps/0/timeout', keyword: 'minimum', params: expect.objectContaining({ limit: 0 }) },
    ]);
  });

  it('rejects a step with both `run` and `confirm`, pointing at `run`', () => {
    expect(errorsOf(withStep({ id: 'announce', run: 'true', confirm: 'Announced?' }))).toEqual([
      { instancePath: '/steps/0/run', keyword: 'false schema', params: {} },
    ]);
  });

  it('rejects a step with neither `run` nor `confirm`', () => {
    expect(errorsOf(withStep({ id: 'announce' }))).toEqual([{ instancePath: '/steps/0', keyword: 'required', params: { missingProperty: 'run' } }]);
  });

  it('accepts a parallel group of steps', () => {
    const group = {
      id: 'warm',
      title: 'Warm caches',
      parallel: [
        { id: 'warm-eu', run: './warm.sh eu', duration: '2m' },
        { id: 'warm-us', run: './warm.sh us', rollback: { run: './cold.sh us', timeout: 60 } },
      ],
    };
    expect(validateAgainstSchema(withStep(group))).toEqual([]);
  });

  it('rejects nested and empty parallel groups, and step keys on a group', () => {
    const nested = { id: 'g', parallel: [{ id: 'inner', parallel: [{ id: 'a', run: 'true' }] }] };
    expect(errorsOf(withStep(nested))).toEqual([
      { instancePath: '/steps/0/parallel/0', keyword: 'additionalProperties', params: { additionalProperty: 'parallel' } },
      { instancePath: '/steps/0/parallel/0', keyword: 'required', params: { missingProperty: 'run' } },
    ]);
    expect(errorsOf(withStep({ id: 'g', parallel: [] }))).toEqual([{ instancePath: '/steps/0/parallel', keyword: 'minItems', params: { limit: 1 } }]);
    expect(errorsOf(withStep({ id: 'g', run: 'true', parallel: [{ id: 'a', run: 'true' }] }))).toEqual([
      { instancePath: '/steps/0', keyword: 'additionalProperties', params: { additionalProperty: 'run' } },
    ]);
  });

  it('reports a step that is not a mapping once', () => {
    expect(errorsOf(withStep('deploy'))).toEqual([{ instancePath: '/steps/0', keyword: 'type', params: { type: 'object' } }]);
  });

  it('takes `validate` and `rollback` as a string or an object, and nothing else', () => {
    expect(errorsOf(withStep({ id: 'a', run: 'true', validate: 3, rollback: { run: 'undo', tmeout: '1m' } }))).toEqual([
      { instancePath: '/steps/0/rollback', keyword: 'additionalProperties', params: { additionalProperty: 'tmeout' } },
      { instancePath: '/steps/0/validate', keyword: 'type', params: { type: ['string', 'object'] } },
    ]);
  });

  it('requires exactly one of `env` and `file` for a secret', () => {
    const runbook = (source: unknown) => ({ golive: 1, name: 'shop', secrets: { TOKEN: source }, steps: [] });
    expect(validateAgainstSchema(runbook({ file: '/run/secrets/token' }))).toEqual([]);
    expect(errorsOf(runbook({ env: 'TOKEN', file: '/run/secrets/token' }))).toEqual([
      { instancePath: '/secrets/TOKEN/env', keyword: 'false schema', params: {} },
    ]);
    expect(errorsOf(runbook({}))).toEqual([{ instancePath: '/secrets/TOKEN', keyword: 'required', params: { missingProperty: 'env' } }]);
  });

  it('takes variable names that are environment variable names', () => {
    const errors = errorsOf({ golive: 1, name: 'shop', vars: { 'base-url': 'x', ok: 1 }, steps: [] });
    expect(errors).toContainEqual({ instancePath: '/vars', keyword: 'propertyNames', params: { propertyName: 'base-url' } });
  });

  it('requires a UTC offset in the window', () => {
    const runbook = { golive: 1, name: 'shop', window: { start: '2026-12-01T09:00:00Z', end: '2026-12-01T12:00' }, steps: [] };
    expect(errorsOf(runbook)).toEqual([{ instancePath: '/window/end', keyword: 'pattern', params: expect.anything() }]);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf({ golive: 2, name: '../shop', steps: [{ id: 'a.b', run: '' }], extra: true });
    expect(errors.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual([
      ' additionalProperties',
      '/golive const',
      '/name pattern',
      '/steps/0/id pattern',
      '/steps/0/run minLength',
    ]);
  });

  it('loads only ajv runtime helpers, not ajv itself', () => {
    const requires = [...readFileSync(validatorFile, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(([, id]) => id);
    expect(requires.every((id) => id!.startsWith('ajv/dist/runtime/'))).toBe(true);
  });
});

/**
 * The plan facts kept with each run: they say what the plan said, survive
 * the journal's JSON round trip, and give status the same inputs as the plan.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlanFacts } from '../../src/journal/sqlite/rows.js';
import { loadRunbookText } from '../../src/runbook/load.js';
import { type Plan, resolvePlan } from '../../src/runbook/plan.js';
import { planFactsOf, statusPlanFrom } from '../../src/views/plan-facts.js';
import { statusPlanOf } from '../../src/views/status.js';
import { planFrom } from '../engine/harness.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

/** Every bundled example that resolves on its own (in its first environment, with its declared defaults). */
function examplePlans(): Array<[string, Plan]> {
  const plans: Array<[string, Plan]> = [];
  for (const name of readdirSync(examples).filter((f) => f.endsWith('.yaml'))) {
    const file = join(examples, name);
    const first = loadRunbookText(file, readFileSync(file, 'utf8'));
    const environment = Object.keys(first.runbook?.environments ?? {})[0];
    const loaded = environment === undefined ? first : loadRunbookText(file, readFileSync(file, 'utf8'), { environment });
    if (loaded.failed || !loaded.runbook || !loaded.source) continue;
    try {
      plans.push([name, resolvePlan(loaded.source, loaded.runbook, { environment })]);
    } catch {
      // An example that needs --var or secrets to resolve is covered by the fixture below.
    }
  }
  return plans;
}

const WITH_EVERYTHING = `
golive: 1
name: facts
description: Release 2.4 of the shop
team:
  dba: { name: Li Wei, user: liwei }
  devops: { name: Sam Okafor }
window: { start: "2026-12-01T22:00:00Z", end: "2026-12-02T02:00:00Z" }
environments:
  production:
    protected: true
checks:
  - id: on-call
    title: On-call engineer is reachable
    owner: devops
    confirm: Is the on-call engineer reachable?
  - id: disk
    run: "true"
    blocking: false
steps:
  - id: backup
    title: Back up the database
    owner: dba
    run: "true"
    duration: 2m
  - id: restart
    title: Restart the web tier
    parallel:
      - id: web-1
        run: "true"
      - id: web-2
        run: "true"
        duration: 30s
  - id: announce
    confirm: Is the banner up?
verify:
  - id: home
    title: Home page answers
    owner: devops
    run: "true"
    severity: minor
`;

describe('plan facts', () => {
  it("hold the plan's steps, checks, smoke tests, team and window, and give status what the plan gives it", () => {
    const plan = planFrom(WITH_EVERYTHING, { environment: 'production' });
    const facts = planFactsOf(plan);
    expect(facts).toMatchObject({
      description: 'Release 2.4 of the shop',
      window: { start: '2026-12-01T22:00:00.000Z', end: '2026-12-02T02:00:00.000Z' },
      protectedEnvironment: true,
      team: { dba: 'Li Wei', devops: 'Sam Okafor' },
      people: { liwei: 'Li Wei' },
      checks: [
        { id: 'on-call', owner: 'devops', blocking: true, confirm: 'Is the on-call engineer reachable?' },
        { id: 'disk', blocking: false },
      ],
      verify: [{ id: 'home', title: 'Home page answers', owner: 'devops', severity: 'minor' }],
    });
    expect(facts.steps.map((s) => [s.id, s.group ?? null, s.expectedMs ?? null])).toEqual([
      ['backup', null, 120_000],
      ['web-1', 'restart', null],
      ['web-2', 'restart', 30_000],
      ['announce', null, null],
    ]);
    expect(facts.steps.at(-1)?.confirm).toBe('Is the banner up?');
    expect(statusPlanFrom(facts)).toEqual(statusPlanOf(plan));
  });

  it("read back from the journal's JSON say the same, for every bundled example", () => {
    const plans = examplePlans();
    expect(plans.length).toBeGreaterThan(10);
    for (const [name, plan] of plans) {
      const stored = parsePlanFacts(JSON.stringify(planFactsOf(plan)));
      expect(stored, name).toEqual(planFactsOf(plan));
      expect(statusPlanFrom(stored!), name).toEqual(statusPlanOf(plan));
    }
  });

  it('are refused when they are not what golive wrote', () => {
    const plan = planFrom(WITH_EVERYTHING, { environment: 'production' });
    const good = planFactsOf(plan);
    expect(parsePlanFacts('{not json')).toBeUndefined();
    expect(parsePlanFacts('null')).toBeUndefined();
    expect(parsePlanFacts(JSON.stringify({ ...good, verify: undefined }))).toBeUndefined();
    expect(parsePlanFacts(JSON.stringify({ ...good, team: [] }))).toBeUndefined();
    expect(parsePlanFacts(JSON.stringify(good))).toEqual(good);
  });
});

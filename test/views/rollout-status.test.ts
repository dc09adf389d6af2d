/**
 * The status update of a rollout: per-host progress in "X of Y steps", and
 * one line per rollout naming its wave, the hosts done and the failed ones.
 */
import { describe, expect, it } from 'vitest';
import { estimateDurations } from '../../src/views/estimate.js';
import { rehearsalReport } from '../../src/views/rehearsal.js';
import { statusPlanOf, statusUpdate } from '../../src/views/status.js';
import { stepTimings } from '../../src/views/timings.js';
import { harness } from '../engine/harness.js';

const RUNBOOK = `
golive: 1
name: webshop-release
on_failure: abort
targets:
  web:
    - { name: web1, host: 10.0.0.1 }
    - { name: web2, host: 10.0.0.2 }
    - { name: web3, host: 10.0.0.3 }
    - { name: web4, host: 10.0.0.4 }
steps:
  - id: web-rollout
    rollout:
      on: web
      waves: [1, 100%]
      max_failures: 1
      steps:
        - { id: deploy, run: "deploy {{ target.name }}", rollback: "undeploy {{ target.name }}" }
        - { id: health, run: "health {{ target.name }}" }
`;

describe('status of a rollout', () => {
  it('counts each host step, and says which wave, how many hosts are done and which failed', async () => {
    const h = harness(RUNBOOK);
    h.runner.fails('health web3');
    await h.run();
    const update = statusUpdate({
      runId: 'run-2',
      runbook: { name: 'webshop-release' },
      ...statusPlanOf(h.plan),
      events: h.log.events,
      runStatus: 'succeeded-with-issues',
      now: new Date(),
    });
    expect(update.progress).toMatchObject({ completed: 6, total: 8 });
    expect(update.rollouts).toEqual(['web-rollout: wave 2 of 2, 3 of 4 hosts done, 1 failed (web3: health)']);
    expect(update.issues.join('\n')).toContain('web3 rolled-back at health');
  });
});

describe('estimates and rehearsals of steps on hosts', () => {
  it('estimate a step from every host’s times; a rehearsal row shows the slowest host', async () => {
    const h = harness(RUNBOOK);
    const estimates = estimateDurations(
      h.plan,
      new Map([
        ['deploy@web1', [1000]],
        ['deploy@web2', [3000]],
        ['health@web1', [500]],
      ]),
    );
    expect(estimates.find((e) => e.id === 'deploy')).toMatchObject({ samples: 2, p90Ms: 3000 });
    expect(estimates.find((e) => e.id === 'health')).toMatchObject({ samples: 1 });

    h.runner.on('deploy web4', { delayMs: 30 });
    await h.run();
    const report = rehearsalReport(h.plan, h.log.events);
    // The fake clock moves a second per reading: web4's deploy, the slowest, spans the most readings.
    const times = [...stepTimings(h.log.events)].filter(([key]) => key.startsWith('deploy@')).map(([, t]) => t.forwardMs ?? 0);
    expect(report.rows.find((r) => r.id === 'deploy')?.actualMs).toBe(Math.max(...times));
  });
});

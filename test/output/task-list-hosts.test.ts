import { describe, expect, it } from 'vitest';
import { createTaskListView } from '../../src/output/task-list.js';
import { harness } from '../engine/harness.js';
import { FakeTerminal, strip } from './fake-terminal.js';

const hosts = Array.from({ length: 12 }, (_, i) => `    - { name: web${i + 1}, host: 10.0.0.${i + 1} }`).join('\n');
const RUNBOOK = `
golive: 1
name: shop
targets:
  web:
${hosts}
steps:
  - id: web-rollout
    rollout:
      on: web
      waves: [1, 25%, 100%]
      max_failures: 1
      steps:
        - { id: deploy, run: "deploy {{ target.name }}", rollback: "undeploy {{ target.name }}" }
        - { id: health, run: "health {{ target.name }}", rollback: none }
  - id: announce
    run: ./announce
    rollback: none
`;

describe('a rollout on the task list', () => {
  it('is one line with its wave, the hosts done and the failed one; hosts get no lines of their own', async () => {
    const h = harness(RUNBOOK);
    h.runner.fails('health web3');
    const result = await h.run();
    expect(result.outcome).toBe('succeeded-with-issues');

    const terminal = new FakeTerminal(160);
    const view = createTaskListView(h.plan, { runId: 'run-2', dbFlag: '' }, { stream: terminal as unknown as NodeJS.WriteStream });
    for (const event of h.log.events) view.render(event);
    await view.close();
    const raw = terminal.raw;
    const frame = strip(raw.slice(raw.lastIndexOf('\u001b[G') + 3));
    const rollout = frame.split('\n').find((l) => l.includes('web-rollout')) ?? '(no line)';
    expect(rollout).toContain('✔');
    expect(rollout).toContain('wave 3/3 · 11/12 hosts done, 1 failed (web3: health)');
    expect(frame).not.toMatch(/deploy@web|health@web/);
    expect(frame.split('\n').filter((l) => /web\d+:/.test(l) && !l.includes('failed (')).length).toBeLessThanOrEqual(1);
  });
});

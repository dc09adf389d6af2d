import { describe, expect, it } from 'vitest';
import { createTaskListView } from '../../src/output/task-list.js';
import { harness } from '../engine/harness.js';
import { FakeTerminal, strip } from './fake-terminal.js';

const ROWS = 30;

const hosts = Array.from({ length: 40 }, (_, i) => `    - { name: web${i + 1}, host: 10.0.0.${i + 1} }`).join('\n');
const RUNBOOK = `
golive: 1
name: shop
on_failure: rollback
targets:
  web:
${hosts}
steps:
  - id: prepare
    run: ./prepare
    rollback: ./unprepare
  - id: web-rollout
    title: Roll out the web tier
    rollout:
      on: web
      waves: [10%, 100%]
      steps:
        - { id: fetch, run: "fetch {{ target.name }}", rollback: "unfetch {{ target.name }}" }
        - { id: deploy, run: "deploy {{ target.name }}", rollback: "undeploy {{ target.name }}" }
        - { id: switch, run: "switch {{ target.name }}", rollback: "unswitch {{ target.name }}" }
  - id: announce
    run: ./announce
    rollback: none
`;

/** The frames drawn, each as the lines it put on screen. */
function frames(raw: string): string[][] {
  return raw
    .split('\u001b[G')
    .map((frame) => strip(frame.split('\u001b[?25h')[0]).split('\n'))
    .filter((lines) => lines.some((l) => l.trim() !== ''));
}

/** Draw a run's events into a fake terminal as wide as it says, pausing now and then while a host's undo runs. */
async function draw(h: ReturnType<typeof harness>): Promise<string[][]> {
  const terminal = new FakeTerminal(160, ROWS);
  // listr2 cuts lines to process.stdout's width (80 when it is not a terminal): as wide as the fake terminal here.
  const columns = process.stdout.columns;
  Object.assign(process.stdout, { columns: terminal.columns });
  try {
    const view = createTaskListView(h.plan, { runId: 'run-2', dbFlag: '' }, { stream: terminal as unknown as NodeJS.WriteStream });
    let undos = 0;
    for (const event of h.log.events) {
      view.render(event);
      // Let frames be drawn on the way, some of them while a host's undo runs.
      if (event.kind === 'step.started' && event.phase === 'rollback' && undos++ % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await view.close();
  } finally {
    Object.assign(process.stdout, { columns });
  }
  return frames(terminal.raw);
}

describe('a rollout rolled back on the task list', () => {
  it('folds 40 hosts × 3 steps of rollback into one line for the rollout: no frame is taller than the window, and the end names the failed undo', async () => {
    const h = harness(RUNBOOK);
    h.runner.fails('./announce');
    h.runner.fails('undeploy web3');
    const result = await h.run();
    expect(result.outcome).toBe('rollback-failed');
    const started = h.log.events.find((e) => e.kind === 'rollback.started');
    expect(started?.kind === 'rollback.started' && started.order.length).toBe(121);

    const drawn = await draw(h);
    const rollback = drawn.filter((lines) => lines.some((l) => l.includes('Rolling back') || l.includes('Rollback incomplete')));
    expect(rollback.length).toBeGreaterThan(1);
    for (const lines of rollback) {
      // The frame writer keeps only the bottom of a taller frame: the whole list is there only if it fits.
      expect(lines.length).toBeLessThanOrEqual(ROWS);
      expect(lines.some((l) => l.includes('Deployment steps'))).toBe(true);
      // No line of its own per host's step (the phase's title may still name the failed one).
      expect(lines.filter((l) => /^\s*\S+ (fetch|deploy|switch)@web/.test(l))).toEqual([]);
    }
    const last = rollback.at(-1) ?? [];
    const line = last.find((l) => l.includes('web-rollout') && l.includes('rolled back')) ?? '(no line)';
    expect(line).toContain('✖');
    // The engine stops undoing at the first failed undo: hosts after it are not reached.
    expect(line).toContain('1 failed (web3: deploy) · 37 of 40 hosts rolled back, 2 not reached');
    // A local step keeps its own line: the engine stopped before undoing it.
    expect(last.slice(last.findIndex((l) => l.includes('Rollback incomplete'))).some((l) => /↓ prepare — not run/.test(l))).toBe(true);
    const live = rollback.map((lines) => lines.find((l) => l.includes('undoing web'))).filter((l) => l !== undefined);
    expect(live.length).toBeGreaterThan(0);
    expect(live[0]).toMatch(/undoing web\d+ \(\d+ of 40 hosts\)/);
  });

  it('folds an on: step the same way, and a complete rollback reads as such', async () => {
    const h = harness(`
golive: 1
name: shop
on_failure: rollback
targets:
  web:
${hosts}
steps:
  - id: config
    on: web
    run: "config {{ target.name }}"
    rollback: "unconfig {{ target.name }}"
  - id: announce
    run: ./announce
`);
    h.runner.fails('./announce');
    const result = await h.run();
    expect(result.outcome).toBe('rolled-back');
    const last = (await draw(h)).at(-1) ?? [];
    const phase = last.slice(last.findIndex((l) => l.includes('Rolled back')));
    expect(phase.length).toBeGreaterThan(1);
    expect(phase.filter((l) => /config@web/.test(l))).toEqual([]);
    expect(phase.find((l) => l.includes('config'))).toMatch(/✔ config .*— 40 hosts rolled back$/);
  });
});

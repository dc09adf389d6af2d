/**
 * Webhook notifications against a real HTTP server on 127.0.0.1: what is
 * posted and in which order, and that a slow, dead or failing webhook never
 * holds the deployment up (handle returns at once, close is bounded) nor
 * floods it with warnings.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { createNotifier, maskWebhookUrl, type Notifier } from '../../src/notify/webhook.js';

interface Received {
  body: Record<string, any>;
  contentType: string | undefined;
}

/** A webhook receiver; `respond` decides what each request gets (default: 204 at once). */
async function receiver(respond: (req: IncomingMessage, res: ServerResponse, n: number) => void = (_req, res) => res.writeHead(204).end()) {
  const received: Received[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const server = createServer((req, res) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    res.on('close', () => concurrent--);
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (body += chunk))
      .on('end', () => {
        received.push({ body: JSON.parse(body), contentType: req.headers['content-type'] });
        respond(req, res, received.length);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/SECRET-TOKEN`;
  servers.push(server);
  return { url, received, maxConcurrent: () => maxConcurrent };
}

const servers: Array<ReturnType<typeof createServer>> = [];
const notifiers: Notifier[] = [];
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  vi.restoreAllMocks();
});

const stamp = (body: EngineEventBody): EngineEvent => ({ ...body, at: new Date().toISOString() }) as EngineEvent;
const started = stamp({
  kind: 'run.started',
  mode: 'run',
  runbook: { name: 'webshop-release', version: '2.4.0', path: 'w.yaml', sha256: 'ab'.repeat(32) },
  environment: 'production',
  operator: 'ana',
  host: 'bastion',
  steps: ['deploy', 'migrate'],
  expectedMs: 1_500_000,
  vars: {},
});
const stepStarted = stamp({
  kind: 'step.started',
  phase: 'step',
  stepId: 'migrate',
  title: 'Run database migrations',
  owner: 'dba',
  attempt: 1,
  attempts: 1,
  command: './migrate.sh',
});
const stepFailed = stamp({
  kind: 'step.finished',
  phase: 'step',
  stepId: 'migrate',
  attempt: 1,
  status: 'failed',
  exitCode: 1,
  signal: null,
  durationMs: 1500,
  head: '',
  tail: '',
  outputBytes: 0,
  outputs: {},
  message: 'exited with status 1',
});
const validatePoll = stamp({ ...stepFailed, phase: 'validate' } as EngineEventBody);
const stateFailed = stamp({ kind: 'step.state', stepId: 'migrate', state: 'failed', reason: 'exited with status 1' });
const decision = stamp({
  kind: 'decision',
  subject: 'guided-failure',
  subjectId: 'migrate',
  choice: 'rollback',
  reason: 'step migrate failed',
  by: 'ana',
  via: 'policy',
});
const rollbackStarted = stamp({ kind: 'rollback.started', reason: 'step migrate failed', order: ['migrate', 'deploy'], withoutRollback: [] });
const rollbackFinished = stamp({ kind: 'rollback.finished', complete: true, failed: [], withoutRollback: [], verified: true });
const finished = stamp({ kind: 'run.finished', outcome: 'rolled-back', exitCode: 1, durationMs: 90_000, issues: [] });
const output = stamp({ kind: 'step.output', phase: 'step', stepId: 'migrate', stream: 'stdout', text: 'applying 0042\n' });

function notifier(url: string, options: { everyMs?: number; timeoutMs?: number; statusText?: () => string; fetch?: typeof fetch } = {}) {
  const warnings: string[] = [];
  const n = createNotifier([{ url, displayUrl: maskWebhookUrl(url), everyMs: options.everyMs }], {
    statusText: options.statusText ?? (() => 'Status Update - 10:45'),
    onWarning: (m) => warnings.push(m),
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
    runId: '01KRUNAAAAAAAAAAAAAAAAAAAA',
  });
  notifiers.push(n);
  return { n, warnings };
}

const waitFor = async (condition: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('createNotifier', () => {
  it('posts run start and end, failures, step states, decisions and rollbacks, in order, as JSON with a text field', async () => {
    // Answer slowly and unevenly: concurrent deliveries would arrive out of order.
    const hook = await receiver((_req, res, n) => setTimeout(() => res.writeHead(200).end('ok'), n % 2 ? 30 : 5));
    const { n, warnings } = notifier(hook.url);
    for (const event of [started, stepStarted, output, validatePoll, stepFailed, stateFailed, decision, rollbackStarted, rollbackFinished, finished])
      n.handle(event);
    await n.close();
    expect(warnings).toEqual([]);
    expect(hook.received.map((r) => [r.body.kind, r.body.stepId ?? r.body.subjectId])).toEqual([
      ['run.started', undefined],
      ['step.finished', 'migrate'],
      ['step.state', 'migrate'],
      ['decision', 'migrate'],
      ['rollback.started', undefined],
      ['rollback.finished', undefined],
      ['run.finished', undefined],
    ]);
    expect(hook.maxConcurrent()).toBe(1);
    expect(hook.received.every((r) => r.contentType === 'application/json' && typeof r.body.text === 'string')).toBe(true);
    expect(hook.received[0].body).toMatchObject({
      runId: '01KRUNAAAAAAAAAAAAAAAAAAAA',
      runbook: 'webshop-release',
      version: '2.4.0',
      environment: 'production',
    });
    expect(hook.received[2].body.text).toBe('✖ webshop-release 2.4.0 on production: step migrate (Run database migrations) failed — exited with status 1');
    expect(hook.received[2].body).toMatchObject({ state: 'failed', title: 'Run database migrations' });
    expect(hook.received[6].body.text).toBe('↩ webshop-release 2.4.0 on production: rolled-back in 1m30s (exit 1)');
  });

  it('tells the bridge who the run waits for to approve what, and who answered', async () => {
    const hook = await receiver((_req, res) => res.writeHead(200).end('ok'));
    const { n } = notifier(hook.url);
    n.handle(started);
    n.handle(
      stamp({
        kind: 'approval.requested',
        subject: 'confirm',
        pointId: 'migrate',
        title: 'Run database migrations',
        approvers: [{ role: 'dba', name: 'Li Wei', user: 'liwei' }],
        minApprovals: 1,
        selfApproval: false,
        runner: 'ana',
      }),
    );
    n.handle(
      stamp({
        kind: 'approval',
        pointId: 'migrate',
        answer: 'approve',
        verdict: 'accepted',
        identity: { user: 'liwei', kind: 'database-role' },
        by: 'liwei',
        person: { role: 'dba', name: 'Li Wei', user: 'liwei' },
        via: 'prompt',
        host: 'bastion',
      }),
    );
    await n.close();
    expect(hook.received.slice(1).map((r) => r.body.text)).toEqual([
      '⏸ webshop-release 2.4.0 on production: waiting for Li Wei (dba) to approve Run database migrations in run 01KRUNAAAAAAAAAAAAAAAAAAAA',
      '✔ webshop-release 2.4.0 on production: migrate approved by Li Wei (dba, liwei)',
    ]);
  });

  it('a webhook that never answers: handle returns at once, one warning per minute, close gives up after one timeout', async () => {
    const hook = await receiver(() => {
      /* never answers */
    });
    const { n, warnings } = notifier(hook.url, { timeoutMs: 200 });
    const t0 = performance.now();
    n.handle(started);
    n.handle(stateFailed);
    n.handle(decision);
    expect(performance.now() - t0).toBeLessThan(20);
    // Three sequential timeouts (~600 ms), one warning.
    await waitFor(() => hook.received.length === 3);
    await new Promise((r) => setTimeout(r, 250));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(`webhook ${maskWebhookUrl(hook.url)}: no answer within 200 ms`);
    expect(warnings[0]).not.toContain('SECRET-TOKEN');

    n.handle(rollbackStarted);
    n.handle(finished);
    const t1 = performance.now();
    await n.close();
    const closing = performance.now() - t1;
    expect(closing).toBeGreaterThanOrEqual(190);
    expect(closing).toBeLessThan(600);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toBe(`webhook ${maskWebhookUrl(hook.url)}: gave up on 2 undelivered notifications at exit (no answer within 200 ms)`);
  });

  it('a non-2xx answer is a warning naming the status', async () => {
    const hook = await receiver((_req, res) => res.writeHead(500).end('boom'));
    const { n, warnings } = notifier(hook.url);
    n.handle(started);
    n.handle(finished);
    await n.close();
    expect(hook.received).toHaveLength(2);
    expect(warnings).toEqual([`webhook ${maskWebhookUrl(hook.url)}: HTTP 500 Internal Server Error`]);
  });

  it("every everyMs it posts the status text, on an unref'd timer, until closed", async () => {
    const intervals: NodeJS.Timeout[] = [];
    const real = globalThis.setInterval;
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms: number) => {
      const timer = real(fn, ms);
      intervals.push(timer);
      return timer;
    }) as typeof setInterval);
    const hook = await receiver();
    let calls = 0;
    const { n } = notifier(hook.url, { everyMs: 50, statusText: () => `Status Update - 10:45 (#${++calls})` });
    expect(intervals).toHaveLength(1);
    expect(intervals[0].hasRef()).toBe(false);
    await waitFor(() => hook.received.length >= 3);
    expect(hook.received.slice(0, 3).map((r) => [r.body.kind, r.body.text])).toEqual([
      ['status', 'Status Update - 10:45 (#1)'],
      ['status', 'Status Update - 10:45 (#2)'],
      ['status', 'Status Update - 10:45 (#3)'],
    ]);
    await n.close();
    const count = hook.received.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(hook.received.length).toBe(count);
  });

  it('a fetch that throws: handle never throws, 50 failures make one warning, and no URL is in it', async () => {
    const url = 'https://hooks.example.com/services/T000/SECRET-TOKEN';
    const failing = (() => {
      throw new TypeError(`Failed to parse URL from ${url}`);
    }) as unknown as typeof fetch;
    const { n, warnings } = notifier(url, { fetch: failing });
    for (let i = 0; i < 50; i++) expect(() => n.handle(stateFailed)).not.toThrow();
    await n.close();
    expect(warnings).toEqual(['webhook https://hooks.example.com/***: Failed to parse URL from <url>']);
  });

  it('a status text that throws is a warning, not an exception in a timer', async () => {
    const hook = await receiver();
    const { n, warnings } = notifier(hook.url, {
      everyMs: 20,
      statusText: () => {
        throw new Error('no status');
      },
    });
    await waitFor(() => warnings.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    await n.close();
    expect(warnings).toEqual([`webhook ${maskWebhookUrl(hook.url)}: could not build the status update: no status`]);
    expect(hook.received).toEqual([]);
  });

  it('maskWebhookUrl keeps scheme and host only', () => {
    expect(maskWebhookUrl('https://user:pw@hooks.slack.com/services/T0/B0/XYZ')).toBe('https://hooks.slack.com/***');
    expect(maskWebhookUrl('not a url SECRET')).toBe('***');
  });
});

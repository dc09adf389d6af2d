/**
 * The deployment summary report over fabricated records: the model that
 * `golive report` builds from a run's events, its Markdown and JSON forms
 * (file snapshots a reviewer can read), and that hostile step output stays
 * inert text in HTML and well-formed in JUnit XML (read back by a real
 * JUnit consumer, not a regular expression).
 */
process.env.TZ = 'UTC'; // report times are local; the snapshots must not depend on where the tests run

import { parse as parseJunit } from 'junit2json';
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBody, Phase } from '../../src/engine/events.js';
import type { ChainReport, RunRecord } from '../../src/journal/types.js';
import { laterRollbackNote, reportHeadline } from '../../src/output/report-headline.js';
import { summaryAsHtml } from '../../src/output/summary-html.js';
import { junitStatus, summaryAsJunit } from '../../src/output/summary-junit.js';
import { mdFence, mdText, summaryAsMarkdown } from '../../src/output/summary-md.js';
import { timelineSvg } from '../../src/output/summary-svg.js';
import { cleanText, escapeMarkup } from '../../src/output/summary-text.js';
import { buildRunView, type ChainLink } from '../../src/views/run-view.js';
import { buildSummary, type SummaryPlan, type SummaryReport, summaryAsJson } from '../../src/views/summary.js';
import { jenkinsJunitProblems } from '../output/jenkins-junit.js';

const T0 = Date.parse('2026-12-01T09:00:00.000Z');
const RUN = '01KRUNAAAAAAAAAAAAAAAAAAAA';
const CHILD = '01KRUNBBBBBBBBBBBBBBBBBBBB';

/** Output a step might print: markup, a CDATA end, quotes, a table pipe, a fence, colours, a bell and a NUL. */
const HOSTILE = '<script>alert("x")</script> & \'q\' ]]> a|b ```\n\u001b[31mred\u001b[0m bell\u0007 nul\u0000 end';

/** Events at the given second offsets from T0. */
function at(seconds: number, body: EngineEventBody): EngineEvent {
  return { ...body, at: new Date(T0 + seconds * 1000).toISOString() } as EngineEvent;
}

const started = (steps: string[]): EngineEventBody => ({
  kind: 'run.started',
  mode: 'run',
  runbook: { name: 'webshop-release', version: '2.4.0', path: 'webshop.yaml', sha256: 'ab'.repeat(32) },
  environment: 'production',
  operator: 'ana',
  host: 'bastion',
  steps,
  expectedMs: 130_000,
  vars: {},
});
const begin = (stepId: string, phase: Phase = 'step', attempt = 1): EngineEventBody => ({
  kind: 'step.started',
  phase,
  stepId,
  title: phase === 'rollback' ? `Roll back: ${stepId}` : stepId,
  owner: phase === 'verify' ? 'qa' : 'devops',
  attempt,
  attempts: 2,
  expectedMs: phase === 'step' ? 60_000 : undefined,
  command: `./${stepId}.sh`,
});
const end = (stepId: string, status: 'passed' | 'failed', phase: Phase = 'step', attempt = 1, output = ''): EngineEventBody => ({
  kind: 'step.finished',
  phase,
  stepId,
  attempt,
  status,
  exitCode: status === 'passed' ? 0 : 2,
  signal: null,
  durationMs: 1000,
  head: output,
  tail: '',
  outputBytes: Buffer.byteLength(output),
  outputs: {},
  logPath: `/logs/${stepId}.${phase}.log`,
  message: status === 'failed' ? 'exited with status 2' : undefined,
});
const state = (stepId: string, s: 'succeeded' | 'failed' | 'rolled-back' | 'skipped', reason?: string): EngineEventBody => ({
  kind: 'step.state',
  stepId,
  state: s,
  reason,
});

/**
 * CONDITIONAL GO (a non-blocking check fails), backup passes, deploy passes
 * on its second attempt (70 s, over its 60 s), migrate fails with hostile
 * output, and the rollback undoes migrate, deploy and backup, then proves
 * the restore. announce never runs.
 */
const events: EngineEvent[] = [
  at(0, started(['backup', 'deploy', 'migrate', 'announce'])),
  at(1, begin('disk', 'check')),
  at(2, end('disk', 'failed', 'check', 1, 'only 10 MB free\n')),
  at(2, { kind: 'check.finished', checkId: 'disk', passed: false, blocking: false, reason: 'exited with status 2' }),
  at(2, { kind: 'decision', subject: 'go-no-go', choice: 'CONDITIONAL GO', reason: 'disk: exited with status 2', by: 'ana', via: 'policy' }),
  at(3, begin('backup')),
  at(33, end('backup', 'passed', 'step', 1, 'backup_id=42\n')),
  at(33, state('backup', 'succeeded')),
  at(34, begin('deploy')),
  at(44, end('deploy', 'failed')),
  at(44, { kind: 'step.retrying', phase: 'step', stepId: 'deploy', nextAttempt: 2, delayMs: 5000 }),
  at(49, begin('deploy', 'step', 2)),
  at(104, end('deploy', 'passed', 'step', 2)),
  at(104, state('deploy', 'succeeded')),
  at(105, begin('migrate')),
  at(110, end('migrate', 'failed', 'step', 1, `${HOSTILE}\n`)),
  at(110, state('migrate', 'failed', 'exited with status 2')),
  at(110, {
    kind: 'decision',
    subject: 'guided-failure',
    subjectId: 'migrate',
    choice: 'rollback',
    reason: 'step migrate failed: exited with status 2',
    by: 'ana',
    via: 'prompt',
  }),
  at(111, { kind: 'rollback.started', reason: 'step migrate failed: exited with status 2', order: ['migrate', 'deploy', 'backup'], withoutRollback: [] }),
  at(111, begin('migrate', 'rollback')),
  at(119, end('migrate', 'passed', 'rollback')),
  at(119, state('migrate', 'rolled-back')),
  at(120, begin('deploy', 'rollback')),
  at(124, end('deploy', 'passed', 'rollback')),
  at(124, state('deploy', 'rolled-back')),
  at(125, begin('backup', 'rollback')),
  at(126, end('backup', 'passed', 'rollback')),
  at(126, state('backup', 'rolled-back')),
  at(127, begin('health', 'rollback-verify')),
  at(129, end('health', 'passed', 'rollback-verify')),
  at(129, { kind: 'rollback.finished', complete: true, failed: [], withoutRollback: [], verified: true }),
  at(130, { kind: 'run.finished', outcome: 'rolled-back', exitCode: 1, durationMs: 130_000, issues: ['conditional go: disk: exited with status 2'] }),
];

const plan: SummaryPlan = {
  description: 'Checkout redesign',
  window: { start: '2026-12-01T08:00:00.000Z', end: '2026-12-01T11:00:00.000Z' },
  protectedEnvironment: true,
  team: { devops: 'Sam Okafor', qa: 'Maria Rossi' },
  steps: [
    { id: 'backup', title: 'Pre-deployment backup', owner: 'devops', expectedMs: 60_000 },
    { id: 'deploy', title: 'Deploy application code', owner: 'devops', expectedMs: 60_000 },
    { id: 'migrate', title: 'Migrate the database <v4>', owner: 'devops', expectedMs: 10_000 },
    { id: 'announce', title: 'Announce the release', owner: 'devops' },
  ],
  checks: [{ id: 'disk', title: 'Disk space', owner: 'devops', blocking: false }],
  verify: [{ id: 'login', title: 'Customers can log in', owner: 'qa', severity: 'critical' }],
  rollbackVerify: [{ id: 'health', title: 'Health after restore' }],
};

const run: RunRecord = {
  id: RUN,
  parentRunId: null,
  rootRunId: RUN,
  mode: 'run',
  runbookName: 'webshop-release',
  runbookVersion: '2.4.0',
  runbookPath: '/srv/runbooks/webshop.yaml',
  runbookText: 'golive: 1',
  runbookSha256: 'ab'.repeat(32),
  environment: 'production',
  operator: 'ana',
  identity: null,
  host: 'bastion',
  pid: 4242,
  gitCommit: '0123456789abcdef',
  changeId: 'CHG-20481',
  startedAt: new Date(T0).toISOString(),
  heartbeatAt: new Date(T0 + 130_000).toISOString(),
  endedAt: new Date(T0 + 130_000).toISOString(),
  outcome: 'rolled-back',
  exitCode: 1,
};
const chain: ChainLink[] = [
  { id: RUN, mode: 'run', status: 'rolled-back', parentRunId: null, startedAt: run.startedAt },
  { id: CHILD, mode: 'resume', status: 'succeeded', parentRunId: RUN, startedAt: new Date(T0 + 3_600_000).toISOString() },
];
const intact: ChainReport = { ok: true, checked: 40 };

function summary(overrides: { plan?: SummaryPlan | null; audit?: ChainReport; events?: EngineEvent[] } = {}): SummaryReport {
  const view = buildRunView({ run, status: 'rolled-back', events: overrides.events ?? events, chain });
  return buildSummary({
    view,
    events: overrides.events ?? events,
    plan: overrides.plan === undefined ? plan : overrides.plan,
    audit: overrides.audit ?? intact,
    generatedAt: '2026-12-01T12:00:00.000Z',
  });
}

describe('buildSummary', () => {
  const report = summary();

  it('has the documented top-level keys, in order', () => {
    expect(Object.keys(report)).toEqual([
      'format',
      'generatedAt',
      'run',
      'window',
      'goNoGo',
      'interruption',
      'timeline',
      'issues',
      'rollback',
      'decisions',
      'approvals',
      'chain',
      'audit',
    ]);
    expect(report.run).toMatchObject({
      id: RUN,
      runbook: 'webshop-release',
      version: '2.4.0',
      description: 'Checkout redesign',
      change: 'CHG-20481',
      environment: 'production',
      status: 'rolled-back',
      exitCode: 1,
      durationMs: 130_000,
    });
    expect(report.window).toEqual({ start: '2026-12-01T08:00:00.000Z', end: '2026-12-01T11:00:00.000Z', startedInside: true, enforced: true });
  });

  it('puts checks, then steps in plan order, then smoke tests on the timeline, with expected, actual, delta and attempts', () => {
    expect(report.timeline.map((e) => [e.phase, e.id, e.expectedMs, e.actualMs, e.deltaMs, e.attempts, e.result, e.failed])).toEqual([
      ['check', 'disk', null, 1000, null, 1, 'failed', true],
      ['step', 'backup', 60_000, 30_000, -30_000, 1, 'rolled-back', false],
      ['step', 'deploy', 60_000, 70_000, 10_000, 2, 'rolled-back', false],
      ['step', 'migrate', 10_000, 5000, -5000, 1, 'rolled-back', true],
      ['step', 'announce', null, null, null, 0, 'not-run', false],
      ['verify', 'login', null, null, null, 0, 'not-run', false],
    ]);
    expect(report.timeline[1]).toMatchObject({
      owner: { role: 'devops', name: 'Sam Okafor' },
      title: 'Pre-deployment backup',
      startedAt: '2026-12-01T09:00:03.000Z',
      endedAt: '2026-12-01T09:00:33.000Z',
      outputTail: ['backup_id=42'],
    });
    expect(report.timeline[0]).toMatchObject({ blocking: false, reason: 'exited with status 2' });
    // Every entry has the same keys in the same order, whatever its phase: the JSON shape is a contract.
    const keys = [
      'phase',
      'id',
      'title',
      'owner',
      'group',
      'expectedMs',
      'actualMs',
      'decidingMs',
      'deltaMs',
      'attempts',
      'result',
      'failed',
      'reason',
      'blocking',
      'severity',
      'inherited',
      'startedAt',
      'endedAt',
      'outputTail',
      'logPath',
    ];
    for (const entry of report.timeline) expect(Object.keys(entry)).toEqual(keys);
  });

  it('records the go/no-go decision as made, with the failed checks', () => {
    expect(report.goNoGo).toEqual({
      decision: 'CONDITIONAL GO',
      reason: 'disk: exited with status 2',
      failedChecks: ['disk'],
      by: 'ana',
      via: 'policy',
      at: '2026-12-01T09:00:02.000Z',
    });
  });

  it('lists the rollback actions in the order they ran, with times, and the proof of restore', () => {
    expect(report.rollback!.actions.map((a) => [a.stepId, a.result, a.startedAt, a.durationMs])).toEqual([
      ['migrate', 'rolled-back', '2026-12-01T09:01:51.000Z', 8000],
      ['deploy', 'rolled-back', '2026-12-01T09:02:00.000Z', 4000],
      ['backup', 'rolled-back', '2026-12-01T09:02:05.000Z', 1000],
    ]);
    expect(report.rollback!.verify).toMatchObject([{ id: 'health', title: 'Health after restore', result: 'passed', durationMs: 2000 }]);
    expect(report.rollback).toMatchObject({ complete: true, verified: true, reason: 'step migrate failed: exited with status 2' });
  });

  it('gathers the issues: recorded ones, failed steps, retries', () => {
    expect(report.issues).toEqual({
      recorded: ['conditional go: disk: exited with status 2'],
      retries: [{ phase: 'step', id: 'deploy', attempts: 2, result: 'rolled-back' }],
      inDoubt: [],
      failedSteps: [{ id: 'migrate', reason: 'exited with status 2', result: 'rolled-back' }],
      skipped: [],
      failedSmokeTests: [],
      warnings: [],
    });
  });

  it('says how each run of the chain relates to this one', () => {
    expect(report.chain.map((c) => [c.id, c.relation])).toEqual([
      [RUN, 'this'],
      [CHILD, 'child'],
    ]);
  });

  it('still works when the runbook snapshot no longer loads: roles without names, expectations from the events', () => {
    const bare = summary({ plan: null });
    expect(bare.timeline.map((e) => e.id)).toEqual(['disk', 'backup', 'deploy', 'migrate', 'announce']);
    expect(bare.timeline[1]).toMatchObject({ owner: { role: 'devops', name: null }, expectedMs: 60_000, title: 'backup' });
    expect(bare.window).toBeNull();
  });

  it('names a step left in doubt by a killed golive; JUnit calls it an error', async () => {
    const killed = [at(0, started(['backup', 'deploy'])), at(1, begin('backup'))];
    const view = buildRunView({ run: { ...run, outcome: 'running', endedAt: null, exitCode: null }, status: 'interrupted', events: killed });
    const report = buildSummary({ view, events: killed, plan, audit: intact, generatedAt: '2026-12-01T12:00:00.000Z' });
    expect(report.run).toMatchObject({ status: 'interrupted', endedAt: null, durationMs: null });
    expect(report.issues.inDoubt).toEqual([{ phase: 'step', id: 'backup', result: 'in-doubt' }]);
    const md = summaryAsMarkdown(report);
    expect(md).toContain('- step `backup` is in doubt: it started and no end was recorded');
    expect(md).toContain('| Ended | — (no end recorded) |');
    const parsed = (await parseJunit(summaryAsJunit(report))) as { tests: number; errors: number; testsuite: Array<{ skipped: number }> };
    expect(parsed).toMatchObject({ tests: 4, errors: 1 });
    expect(parsed.testsuite[0].skipped).toBe(3); // the check, deploy and the smoke test never ran
  });

  it('reports a skipped step and a minor smoke test the run did not list itself', () => {
    const skipped = summary({
      events: [
        at(0, started(['backup'])),
        at(1, begin('backup')),
        at(2, end('backup', 'failed')),
        at(3, state('backup', 'skipped', 'done by hand')),
        at(4, begin('login', 'verify')),
        at(5, end('login', 'failed', 'verify')),
        at(5, { kind: 'verify.finished', verifyId: 'login', severity: 'minor', passed: false, reason: 'exited with status 2' }),
        at(6, { kind: 'run.finished', outcome: 'succeeded-with-issues', exitCode: 0, durationMs: 6000, issues: [] }),
      ],
    });
    expect(skipped.issues.skipped).toEqual([{ id: 'backup', reason: 'done by hand' }]);
    expect(skipped.issues.failedSmokeTests).toEqual([{ id: 'login', severity: 'minor', reason: 'exited with status 2' }]);
    const md = summaryAsMarkdown(skipped);
    expect(md).toContain('- step `backup` was skipped: done by hand');
    expect(md).toContain('- smoke test `login` (minor) failed: exited with status 2');
  });
});

describe('report formats', () => {
  const report = summary();

  it('Markdown: header, timeline, failures, issues, rollback, decisions, chain, audit', async () => {
    await expect(summaryAsMarkdown(report)).toMatchFileSnapshot('../__snapshots__/summary-rolled-back.md');
  });

  it('JSON: the model with stable keys', async () => {
    const json = summaryAsJson(report);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(report)));
    await expect(json).toMatchFileSnapshot('../__snapshots__/summary-rolled-back.json');
  });

  it('Markdown keeps hostile text inside its cell and its fence', () => {
    expect(mdText('a|b <img src=x> *x* `c`')).toBe('a\\|b &lt;img src=x&gt; \\*x\\* \\`c\\`');
    const fence = mdFence(['```', 'x']);
    expect(fence[0]).toBe('````');
    expect(fence.at(-1)).toBe('````');
    const md = summaryAsMarkdown(report);
    // Inside a fence the output is literal code; everywhere else markup must be escaped.
    const outsideFences = md.replace(/^(`{3,})\n[\s\S]*?\n\1$/gm, '');
    expect(md).toContain('````\n<script>alert("x")</script>');
    expect(outsideFences).not.toContain('<script>');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test asserts no control characters reached the report
    expect(md).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(md).toContain('| `migrate` Migrate the database &lt;v4&gt; |');
  });

  it('the audit line names the first bad row when the chain is broken', () => {
    const broken = summary({ audit: { ok: false, checked: 12, firstBad: { seq: 7, runId: RUN, reason: 'hash mismatch' } } });
    expect(summaryAsMarkdown(broken)).toContain('✖ broken at event 7 (run 01KRUNAAAAAAAAAAAAAAAAAAAA, this run): hash mismatch');
    expect(summaryAsJunit(broken)).toContain('<property name="golive.audit" value="broken at event 7"/>');
  });

  it("the audit line says when only the run's chain of runs was checked", () => {
    const scoped = summary({ audit: { ok: true, checked: 40, scope: 'runs' } });
    expect(summaryAsMarkdown(scoped)).toContain(
      "✔ intact: 40 events verified (hash chain of this run's chain of runs and their links to the events before them, checked when this report was made; golive audit verify checks the whole journal).",
    );
    expect(JSON.parse(summaryAsJson(scoped)).audit).toEqual({ ok: true, checked: 40, firstBad: null, scope: 'runs' });
    expect(summaryAsMarkdown(summary())).toContain('(hash chain of the whole journal, checked when this report was made).');
  });
});

describe('text cleaning', () => {
  it('drops colour codes and replaces control characters XML cannot carry', () => {
    expect(cleanText('\u001b[1;31mred\u001b[0m\u0007\u0000\r\nok\u{1F680}\ud800')).toBe('red\uFFFD\uFFFD\nok\u{1F680}\uFFFD');
  });

  it('escapes markup for content and both attribute quote styles', () => {
    expect(escapeMarkup(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('HTML', () => {
  const html = summaryAsHtml(summary());

  it('shows hostile output as text: no script element, no event handler, no control characters', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('Migrate the database &lt;v4&gt;');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test asserts no control characters reached the report
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('is self-contained: nothing to load, and a policy that forbids loading anything', () => {
    expect(html).not.toMatch(/\s(src|href)=|url\(|@import/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('draws a planned and an actual bar per step that ran, rollback bars, and marks the failure', () => {
    const svg = timelineSvg(summary())!;
    const bars = (cls: string) => [...svg.matchAll(new RegExp(`<rect class="${cls}" data-step="([^"]+)"`, 'g'))].map((m) => m[1]);
    expect(bars('bar planned')).toEqual(['backup', 'deploy', 'migrate']);
    expect(bars('bar actual')).toEqual(['backup', 'deploy']);
    expect(bars('bar actual failed')).toEqual(['migrate']);
    expect(bars('bar rollback')).toEqual(['backup', 'deploy', 'migrate']);
    expect(svg).toMatch(/<text class="marker failed" data-step="migrate"[^>]*>✖<\/text>/);
    expect(svg).toMatch(/<rect class="bar actual failed" data-check="disk"/);
    // biome-ignore lint/correctness/noEmptyCharacterClassInRegex: `[^]` is any character, newlines included
    expect(svg).toMatch(/<g class="row" data-phase="step" data-step="announce">[^]*?not run/);
  });

  it('has no chart when nothing in the run was timed', () => {
    expect(timelineSvg(summary({ events: [at(0, started(['backup']))] }))).toBeNull();
  });
});

describe('the headline', () => {
  const ended = (outcome: RunRecord['outcome'], exitCode: number, evts: EngineEvent[], extra: { chain?: ChainLink[]; plan?: SummaryPlan } = {}) => {
    const view = buildRunView({ run: { ...run, outcome, exitCode }, status: outcome, events: evts, chain: extra.chain ?? chain });
    return buildSummary({ view, events: evts, plan: extra.plan ?? plan, audit: intact, generatedAt: '2026-12-01T12:00:00.000Z' });
  };
  const live = [
    at(0, started(['backup'])),
    at(1, begin('backup')),
    at(2, end('backup', 'passed')),
    at(2, state('backup', 'succeeded')),
    at(130, { kind: 'run.finished', outcome: 'succeeded', exitCode: 0, durationMs: 130_000, issues: [] }),
  ];

  it('says in plain words what went live where, when and after how long', () => {
    const report = ended('succeeded', 0, live);
    expect(reportHeadline(report)).toMatch(/^Release 2\.4\.0 of webshop-release went live in production at \d\d:\d\d after 2m10s\.$/);
    expect(summaryAsMarkdown(report).split('\n')[2]).toBe(`**${reportHeadline(report)}**`);
    expect(summaryAsHtml(report)).toContain(`<p class="headline">${reportHeadline(report)}</p>`);
  });

  it('names the step that failed and what state the environment is in, without golive jargon', () => {
    const text = reportHeadline(summary());
    expect(text).toBe(
      "Release 2.4.0 of webshop-release failed at 'Migrate the database <v4>' and was rolled back; production is on the previous release again.",
    );
    expect(text).not.toMatch(/exit \d|guided-failure|rolled-back/);
    // With the release that was live before (the journal knows it), the headline names it.
    const view = buildRunView({ run, status: 'rolled-back', events, chain });
    const named = buildSummary({ view, events, plan, audit: intact, generatedAt: '2026-12-01T12:00:00.000Z', previousVersion: '2.3.0' });
    expect(reportHeadline(named)).toBe(
      "Release 2.4.0 of webshop-release failed at 'Migrate the database <v4>' and was rolled back; production is on 2.3.0 again.",
    );
  });

  it('puts a later rollback of the run at the top', () => {
    const undone: ChainLink[] = [
      { id: RUN, mode: 'run', status: 'succeeded', parentRunId: null, startedAt: run.startedAt },
      { id: CHILD, mode: 'rollback', status: 'rolled-back', parentRunId: RUN, startedAt: new Date(T0 + 3_600_000).toISOString() },
    ];
    const report = ended('succeeded', 0, live, { chain: undone });
    expect(laterRollbackNote(report)).toContain(`this deployment was rolled back by run ${CHILD}`);
    const md = summaryAsMarkdown(report).split('\n');
    expect(md[2]).toContain('Since then, this deployment was rolled back');
    expect(laterRollbackNote(ended('succeeded', 0, live))).toBeNull();
  });

  it('warns about the window only where golive enforces it (a protected environment)', () => {
    const outside = { ...plan, window: { start: '2026-12-02T08:00:00.000Z', end: '2026-12-02T11:00:00.000Z' } };
    expect(summaryAsMarkdown(ended('succeeded', 0, live, { plan: outside }))).toContain('started outside the window');
    const uat = ended('succeeded', 0, live, { plan: { ...outside, protectedEnvironment: false } });
    expect(uat.window).toMatchObject({ startedInside: false, enforced: false });
    expect(summaryAsMarkdown(uat)).not.toContain('started outside the window');
    expect(summaryAsHtml(uat)).not.toContain('started outside the window');
  });
});

describe('JUnit', () => {
  const xml = summaryAsJunit(summary());

  it('is read by a JUnit consumer: one testcase per check, step and smoke test, failures with their output', async () => {
    const parsed = (await parseJunit(xml)) as {
      tests: number;
      failures: number;
      skipped: number;
      testsuite: Array<{
        properties: Array<{ name: string; value: string }>;
        testcase: Array<{ classname: string; name: string; time: number; failure?: Array<{ inner?: string; message?: string }>; skipped?: unknown[] }>;
      }>;
    };
    expect(parsed).toMatchObject({ tests: 10, failures: 1 });
    const cases = parsed.testsuite[0].testcase;
    expect(cases.map((c) => `${c.classname} ${c.name} ${c.time}`)).toEqual([
      'golive.webshop-release.checks disk 1',
      'golive.webshop-release.steps backup 30',
      'golive.webshop-release.steps deploy 70',
      'golive.webshop-release.steps migrate 5',
      'golive.webshop-release.steps announce 0',
      'golive.webshop-release.verify login 0',
      'golive.webshop-release.rollback migrate 8',
      'golive.webshop-release.rollback deploy 4',
      'golive.webshop-release.rollback backup 1',
      'golive.webshop-release.rollback-verify health 2',
    ]);
    // The non-blocking check failed and the run accepted it (CONDITIONAL GO): written out, not a failure.
    expect(cases[0].failure).toBeUndefined();
    const migrate = cases[3].failure![0];
    expect(migrate.message).toBe('exited with status 2');
    // The hostile output comes back as the same text (escaped, not mangled), minus what XML cannot carry.
    expect(migrate.inner).toContain('<script>alert("x")</script> & \'q\' ]]> a|b ```');
    expect(migrate.inner).toContain('red bell\uFFFD nul\uFFFD end');
    expect(cases[4].skipped).toHaveLength(1);
    const props = Object.fromEntries(parsed.testsuite[0].properties.map((p) => [p.name, p.value]));
    expect(props).toMatchObject({
      'golive.run.id': RUN,
      'golive.environment': 'production',
      'golive.outcome': 'rolled-back',
      'golive.go-no-go': 'CONDITIONAL GO',
    });
  });

  it("validates against Jenkins' junit-10.xsd (which drops a file that does not)", async () => {
    expect(await jenkinsJunitProblems(xml)).toEqual([]);
    const killed = [at(0, started(['backup', 'deploy'])), at(1, begin('backup'))];
    const view = buildRunView({ run: { ...run, outcome: 'running', endedAt: null, exitCode: null }, status: 'interrupted', events: killed });
    expect(
      await jenkinsJunitProblems(summaryAsJunit(buildSummary({ view, events: killed, plan, audit: intact, generatedAt: '2026-12-01T12:00:00.000Z' }))),
    ).toEqual([]);
    // The checker itself rejects what Jenkins rejects.
    expect(await jenkinsJunitProblems('<testsuites skipped="1"><testsuite name="x" tests="1" failures="0"/></testsuites>')).toEqual([
      '/testsuites: attribute skipped is not allowed',
      '/testsuites/testsuite[0]: attribute errors is required',
    ]);
  });

  it('is red exactly when the run exited non-zero: failures a succeeded run accepted are written out, not failed', async () => {
    const ended = (outcome: RunRecord['outcome'], exitCode: number, events: EngineEvent[]) => {
      const view = buildRunView({ run: { ...run, outcome, exitCode }, status: outcome, events, chain });
      return buildSummary({ view, events, plan, audit: intact, generatedAt: '2026-12-01T12:00:00.000Z' });
    };
    const accepted = ended('succeeded-with-issues', 0, [
      at(0, started(['backup'])),
      at(1, begin('backup')),
      at(2, end('backup', 'passed')),
      at(2, state('backup', 'succeeded')),
      at(4, begin('login', 'verify')),
      at(5, end('login', 'failed', 'verify')),
      at(5, { kind: 'verify.finished', verifyId: 'login', severity: 'minor', passed: false, reason: 'exited with status 2' }),
      at(6, { kind: 'run.finished', outcome: 'succeeded-with-issues', exitCode: 0, durationMs: 6000, issues: ['smoke test login (minor) failed'] }),
    ]);
    const green = (await parseJunit(summaryAsJunit(accepted))) as {
      failures: number;
      errors: number;
      testsuite: Array<{ 'system-out': string[]; testcase: Array<{ name: string; 'system-out'?: string[] }> }>;
    };
    expect(green).toMatchObject({ failures: 0, errors: 0 });
    expect(green.testsuite[0].testcase.find((c) => c.name === 'login')!['system-out']![0]).toContain(
      'failed, accepted by the run (minor): exited with status 2',
    );
    expect(green.testsuite[0]['system-out'][0]).toContain('smoke test login (minor) failed');
    // A run that failed before any case could say so still turns the suite red.
    const stopped = ended('aborted', 3, [
      at(0, started(['backup'])),
      at(1, { kind: 'run.finished', outcome: 'aborted', exitCode: 3, durationMs: 1000, issues: [] }),
    ]);
    const red = (await parseJunit(summaryAsJunit(stopped))) as {
      failures: number;
      testsuite: Array<{ testcase: Array<{ name: string; failure?: Array<{ message: string }> }> }>;
    };
    expect(red.failures).toBeGreaterThan(0);
    expect(await jenkinsJunitProblems(summaryAsJunit(stopped))).toEqual([]);
  });

  it('contains no character XML 1.0 forbids', () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test asserts no control characters reached the report
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
  });

  it('maps results: skipped and never run are skipped, failed (even if rolled back) is a failure, in doubt is an error', () => {
    const entry = summary().timeline[3];
    expect(junitStatus(entry)).toBe('failure');
    expect(junitStatus({ ...entry, failed: false })).toBe('passed');
    expect(junitStatus({ ...entry, result: 'skipped' })).toBe('skipped');
    expect(junitStatus({ ...entry, failed: false, result: 'in-doubt' })).toBe('error');
  });
});

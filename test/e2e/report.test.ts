/**
 * `golive report` on a real journal: runs made by the built binary (one that
 * fails and rolls back, one with CONDITIONAL GO and a minor smoke-test
 * failure, one aborted and then rolled back by `golive rollback`), reported
 * in every format. JUnit is read by a JUnit consumer library; the HTML page
 * is opened in headless Chromium when it is installed.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { parse as parseJunit } from 'junit2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jenkinsJunitProblems } from '../output/jenkins-junit.js';
import { removeTempDirs, repoRoot, runGolive, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
/** Debian's Chromium as root, quiet: without the background-networking flags it tries to reach Google at start. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const REPORT_KEYS = [
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
];

interface Junit {
  tests: number;
  failures: number;
  errors: number;
  testsuite: Array<{
    skipped: number;
    properties: Array<{ name: string; value: string }>;
    testcase: Array<{ classname: string; name: string; failure?: Array<{ message?: string; inner?: string }>; skipped?: unknown[]; 'system-out'?: string[] }>;
  }>;
}

let dir: string;
const ids = { rollback: '', checks: '', aborted: '', undo: '' };
const golive = (args: string[], cwd = dir) => runGolive(args, { cwd, env: { CI: 'true' } });

async function latestRunId(cwd = dir): Promise<string> {
  return (JSON.parse((await golive(['history', '--json', '--limit', '1'], cwd)).stdout) as Array<{ id: string }>)[0].id;
}

beforeAll(async () => {
  dir = tempDir('golive-report-');
  for (const name of ['rollback.yaml', 'checks-verify.yaml']) copyFileSync(join(repoRoot, 'examples', name), join(dir, name));
  expect((await golive(['run', 'rollback.yaml'])).code).toBe(1);
  ids.rollback = await latestRunId();
  expect((await golive(['run', 'checks-verify.yaml'])).code).toBe(0);
  ids.checks = await latestRunId();
  expect((await golive(['run', 'rollback.yaml', '--on-failure', 'abort'])).code).toBe(3);
  ids.aborted = await latestRunId();
  expect((await golive(['rollback', ids.aborted])).code).toBe(0);
  ids.undo = await latestRunId();
}, 60_000);

afterAll(() => {
  removeTempDirs();
});

describe('golive report --format md (the default)', () => {
  it('has the timeline, the failure output and the rollback actions in the order they ran', async () => {
    const result = await golive(['report', ids.rollback.slice(0, 10)]);
    expect(result.code).toBe(0);
    const md = result.stdout;
    expect(md).toContain('# Deployment report: rollback');
    expect(md).toContain('**rolled-back (exit 1)**');
    expect(md).toMatch(/## Timeline\n\n\| # \| Phase \| Item \| Owner \| Started \| Expected \| Actual \| Δ \| Attempts \| Result \|/);
    expect(md).toMatch(
      /\| 1 \| step \| `stop-jobs` Pause the background jobs \| devops \(Sam Okafor\) \| \d\d:\d\d:\d\d \| 1\.0s \| \d+ms \| -\d+ms \| 1 \| ↩ rolled-back \|/,
    );
    expect(md).toMatch(/\| 3 \| step \| `switch-traffic` .* \| ✖ failed, then rolled-back: exited with status 1 \|/);
    expect(md).toContain('```\nfailing on purpose\n```');
    const rollback = md.slice(md.indexOf('## Rollback'));
    expect(rollback).toMatch(
      /\| 1 \| `switch-traffic` [^\n]*↩ rolled-back \|\n\| 2 \| `deploy-code` [^\n]*↩ rolled-back \|\n\| 3 \| `stop-jobs` [^\n]*↩ rolled-back \|/,
    );
    expect(rollback).toContain('Rollback: **✔ complete, restore verified**');
    expect(md).toMatch(/✔ intact: \d+ events verified/);
  });

  it('shows the go/no-go decision and the minor smoke-test issue', async () => {
    const md = (await golive(['report', ids.checks])).stdout;
    expect(md).toContain('**CONDITIONAL GO** — decided by');
    expect(md).toContain('- smoke test favicon (minor) failed: exited with status 1');
    expect(md).toMatch(/\| smoke test \| `favicon` The favicon is there \[minor\] \| qa \(Maria Rossi\) \|/);
    expect(md).not.toContain('## Rollback');
  });

  it('puts a rollback run in its chain: the aborted run it undid, and the other way round', async () => {
    const undo = (await golive(['report', ids.undo])).stdout;
    expect(undo).toContain('## Run chain');
    expect(undo).toContain(`| \`${ids.aborted}\` | run | aborted | — |`);
    expect(undo).toMatch(new RegExp(`\\| \\*\\*\`${ids.undo}\`\\*\\* \\| rollback \\| rolled-back \\| \`${ids.aborted}\` \\| .* \\| this report \\|`));
    const aborted = (await golive(['report', ids.aborted])).stdout;
    expect(aborted).toMatch(new RegExp(`\\| \`${ids.undo}\` \\| rollback \\| rolled-back \\| .* \\| child \\|`));
  });

  it('refuses an unknown run with exit 2 and the way to list runs', async () => {
    const result = await golive(['report', '01XXXXXXXXXX']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no run 01XXXXXXXXXX');
    expect(result.stderr).toContain('golive history');
  });

  it('names the first bad row when the journal was edited behind its back', async () => {
    const other = tempDir('golive-report-tampered-');
    copyFileSync(join(repoRoot, 'examples', 'rollback.yaml'), join(other, 'rollback.yaml'));
    expect((await golive(['run', 'rollback.yaml'], other)).code).toBe(1);
    const runId = await latestRunId(other);
    const raw = new BetterSqlite3(join(other, '.golive', 'golive.db'));
    raw.exec('DROP TRIGGER events_no_update');
    raw.exec("UPDATE events SET data = replace(data, 'failing on purpose', 'all fine') WHERE kind = 'step.finished'");
    raw.close();
    const md = (await golive(['report', runId], other)).stdout;
    expect(md).toMatch(new RegExp(`✖ broken at event \\d+ \\(run ${runId}, this run\\)`));
  });
});

describe('golive report --format json', () => {
  it('prints the report model with the documented keys', async () => {
    const result = await golive(['report', ids.rollback, '--format', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(REPORT_KEYS);
    expect(report.run).toMatchObject({ id: ids.rollback, runbook: 'rollback', status: 'rolled-back', exitCode: 1 });
    expect(report.timeline.map((e: { id: string; result: string }) => `${e.id} ${e.result}`)).toEqual([
      'stop-jobs rolled-back',
      'deploy-code rolled-back',
      'switch-traffic rolled-back',
    ]);
    expect(report.rollback.actions.map((a: { stepId: string }) => a.stepId)).toEqual(['switch-traffic', 'deploy-code', 'stop-jobs']);
    expect(report.audit.ok).toBe(true);
  });
});

describe('golive report --format junit', () => {
  it('gives one testcase per step, with the failure and its output (rollback run)', async () => {
    const xml = (await golive(['report', ids.rollback, '--format', 'junit'])).stdout;
    expect(await jenkinsJunitProblems(xml)).toEqual([]);
    const parsed = (await parseJunit(xml)) as Junit;
    expect(parsed).toMatchObject({ tests: 7, failures: 1 });
    expect(parsed.testsuite[0]).toMatchObject({ skipped: 0 });
    const cases = parsed.testsuite[0].testcase;
    // The steps, then the rollback actions in the order they ran, then the restore check.
    expect(cases.map((c) => `${c.classname} ${c.name}`)).toEqual([
      'golive.rollback.steps stop-jobs',
      'golive.rollback.steps deploy-code',
      'golive.rollback.steps switch-traffic',
      'golive.rollback.rollback switch-traffic',
      'golive.rollback.rollback deploy-code',
      'golive.rollback.rollback stop-jobs',
      'golive.rollback.rollback-verify undone-in-reverse',
    ]);
    expect(cases[2].failure).toEqual([{ message: 'exited with status 1', type: 'rolled-back', inner: 'failing on purpose' }]);
  });

  it('covers checks, steps and smoke tests, with the run in the properties (CONDITIONAL GO run)', async () => {
    const xml = (await golive(['report', ids.checks, '--format', 'junit'])).stdout;
    expect(await jenkinsJunitProblems(xml)).toEqual([]);
    const parsed = (await parseJunit(xml)) as Junit;
    // The run exited 0 (CONDITIONAL GO, a minor smoke test failed): the suite is green, the failures written out.
    expect(parsed).toMatchObject({ tests: 6, failures: 0, errors: 0 });
    const cases = parsed.testsuite[0].testcase;
    expect(
      cases.map(
        (c) => `${c.classname} ${c.name}${c.failure ? ' FAILED' : ''}${c['system-out']?.[0]?.includes('failed, accepted by the run') ? ' ACCEPTED' : ''}`,
      ),
    ).toEqual([
      'golive.checks-verify.checks node-installed',
      'golive.checks-verify.checks maintenance-page ACCEPTED',
      'golive.checks-verify.steps publish-site',
      'golive.checks-verify.verify home-page',
      'golive.checks-verify.verify health',
      'golive.checks-verify.verify favicon ACCEPTED',
    ]);
    const props = Object.fromEntries(parsed.testsuite[0].properties.map((p) => [p.name, p.value]));
    expect(props).toMatchObject({
      'golive.run.id': ids.checks,
      'golive.runbook': 'checks-verify',
      'golive.version': '2.4.0',
      'golive.outcome': 'succeeded-with-issues',
      'golive.go-no-go': 'CONDITIONAL GO',
    });
    // The run had no environment: the property is left out rather than empty.
    expect(props).not.toHaveProperty('golive.environment');
  });
});

describe('golive report --format html', () => {
  it('writes one file with -o, and overwrites it when the report is made again', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, 'stale');
    const result = await golive(['report', ids.rollback, '--format', 'html', '-o', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`wrote the html report of run ${ids.rollback} to ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|\s(src|href)=|url\(/i);
  });

  const hasChromium = existsSync(CHROMIUM);
  if (!hasChromium) console.warn('skipped: chromium not installed — .ci/run installs it');

  it.skipIf(!hasChromium)('renders in headless Chromium: planned and actual bar per step, rollback bars, the failure marked, no network request', async () => {
    const file = join(dir, 'chart.html');
    expect((await golive(['report', ids.rollback, '--format', 'html', '-o', file])).code).toBe(0);
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'golive-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      // Every request the page makes after its own file is a failure of "self-contained"; abort it so nothing leaves the machine.
      await page.route('**/*', (route) => (route.request().url() === `file://${file}` ? route.continue() : route.abort()));
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const count = (selector: string) => page.locator(selector).count();
      for (const step of ['stop-jobs', 'deploy-code', 'switch-traffic']) {
        expect(await count(`svg rect.bar.planned[data-step="${step}"]`)).toBe(1);
        expect(await count(`svg rect.bar.actual[data-step="${step}"]`)).toBe(1);
        expect(await count(`svg rect.bar.rollback[data-step="${step}"]`)).toBe(1);
      }
      expect(await count('svg rect.bar.actual.failed[data-step="switch-traffic"]')).toBe(1);
      expect(await page.locator('svg text.marker.failed[data-step="switch-traffic"]').textContent()).toBe('✖');
      expect(await count('svg rect.bar.rollback[data-restore="undone-in-reverse"]')).toBe(1);
      // Drawn, not just present: the bars have a size on screen.
      const box = await page.locator('svg rect.bar.planned[data-step="stop-jobs"]').boundingBox();
      expect(box!.width).toBeGreaterThan(10);
      expect(await page.locator('h1').textContent()).toBe('Deployment report: rollback');
      expect(requests).toEqual([`file://${file}`]);
    } finally {
      await context.close();
    }
  });
});

describe('the headline names the release the environment is back on', () => {
  const release = (version: string, fail: boolean) =>
    `golive: 1\nname: shop\nversion: "${version}"\nenvironments:\n  uat: {}\nsteps:\n  - id: deploy\n    run: ${fail ? 'exit 1' : '"true"'}\n    rollback: "true"\n`;

  it('the newest earlier deployment there that succeeded and was not rolled back since', async () => {
    const work = tempDir('golive-previous-');
    const db = join(work, 'g.db');
    const deploy = async (version: string, fail = false) => {
      const file = join(work, `shop-${version}.yaml`);
      writeFileSync(file, release(version, fail));
      const result = await runGolive(['run', file, '--env', 'uat', '--db', db, '--on-failure', 'rollback'], { cwd: work });
      expect(result.code, result.stderr).toBe(fail ? 1 : 0);
      return /run ([0-9A-Z]{26})/.exec(result.stdout)![1];
    };
    await deploy('1.0.0');
    const undone = await deploy('1.1.0');
    const rolledBack = await runGolive(['rollback', undone, '--db', db, '--yes'], { cwd: work });
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    const failed = await deploy('2.0.0', true);

    const report = await runGolive(['report', failed, '--db', db], { cwd: work });
    expect(report.code, report.stderr).toBe(0);
    // 1.1.0 went live and was rolled back afterwards: uat is on 1.0.0.
    expect(report.stdout).toContain("**Release 2.0.0 of shop failed at 'deploy' and was rolled back; uat is on 1.0.0 again.**");
    const json = JSON.parse((await runGolive(['report', failed, '--db', db, '--format', 'json'], { cwd: work })).stdout);
    expect(json.run).toMatchObject({ version: '2.0.0', previousVersion: '1.0.0' });
  });
});

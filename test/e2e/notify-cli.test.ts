/**
 * Webhook notifications through the real CLI: the built `golive run` posts to
 * a local HTTP server whose URL reaches golive only as a secret (HOOK, with a
 * token in its path, as chat webhooks have). The server records every POST;
 * the test asserts what the bridge hears and in which order, that the token
 * never leaks into output, logs or the journal, and that a webhook which
 * accepts the connection but never answers neither blocks nor fails the run.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, repoRoot, tempDir } from './helpers.js';
import { readJournal, startGolive } from './process-helpers.js';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  removeTempDirs();
});

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'notify', name);
/** The token part of the webhook URL: it must appear nowhere golive writes. */
const TOKEN = 'T0KEN-abc123';
const HOOK_PATH = `/hooks/${TOKEN}`;

/** One POST as the webhook server received it. */
interface Post {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: { text: string; kind: string; [field: string]: unknown };
}

/** An HTTP server on 127.0.0.1 that answers 200 and records every request body (parsed as JSON) in arrival order. */
async function recordingWebhook(): Promise<{ url: string; posts: Post[] }> {
  const posts: Post[] = [];
  const server = createHttpServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      posts.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: JSON.parse(body) });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}${HOOK_PATH}`, posts };
}

/** A TCP server that accepts connections, reads what is sent, and never answers a byte. */
async function silentWebhook(): Promise<{ url: string; port: number; connections: () => number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        sockets.forEach((s) => {
          s.destroy();
        });
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}${HOOK_PATH}`, port, connections: () => connections };
}

/** Every file under `dir`, recursively (the journal, its WAL, the step logs). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Assert that the webhook token is in none of the output and none of the bytes golive stored under `dir`. */
function expectTokenNowhere(dir: string, output: { stdout: string; stderr: string }): void {
  expect(output.stdout).not.toContain(TOKEN);
  expect(output.stderr).not.toContain(TOKEN);
  const files = filesUnder(dir);
  // The journal at least: an empty list would make the check below vacuous.
  expect(files.some((f) => f.endsWith('g.db'))).toBe(true);
  for (const file of files) {
    expect(readFileSync(file).includes(Buffer.from(TOKEN)), `${file} holds the webhook token`).toBe(false);
  }
}

describe('golive run with webhook notifications', () => {
  it('posts the run start, each step end, periodic status updates and the run end, in order, to a secret URL it never prints', async () => {
    const hook = await recordingWebhook();
    const dir = tempDir('golive-notify-');
    const db = join(dir, 'g.db');
    const run = startGolive(['run', fixture('release.yaml'), '--db', db], { cwd: dir, env: { HOOK: hook.url } });
    const result = await run.exited;
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

    const posts = hook.posts;
    // The secret really was the URL golive posted to (so "the token is nowhere" below is not vacuous).
    for (const post of posts) {
      expect(post.method).toBe('POST');
      expect(post.url).toBe(HOOK_PATH);
      expect(post.headers['content-type']).toBe('application/json');
      expect(typeof post.body.text).toBe('string');
      expect(post.body.text.length).toBeGreaterThan(0);
    }
    const events = posts.filter((p) => p.body.kind !== 'status').map((p) => p.body);
    expect(events.map((b) => [b.kind, b.stepId ?? null])).toEqual([
      ['run.started', null],
      ['step.state', 'prepare'],
      ['step.state', 'deploy'],
      ['step.state', 'switch'],
      ['run.finished', null],
    ]);
    expect(posts[0].body.kind).toBe('run.started');
    expect(posts[0].body.text).toMatch(/^▶ notify-release 3\.1\.0: run started by \S+@\S+ — 3 steps, expected 3\.0s$/);
    expect(events[1].text).toBe('✔ notify-release 3.1.0: step prepare (Prepare the release) succeeded');
    expect(events[2].text).toBe('✔ notify-release 3.1.0: step deploy (Deploy the release) succeeded');
    expect(events[3].text).toBe('✔ notify-release 3.1.0: step switch (Switch traffic) succeeded');
    expect(posts.at(-1)!.body.kind).toBe('run.finished');
    expect(posts.at(-1)!.body.text).toMatch(/^✔ notify-release 3\.1\.0: succeeded in [\d.]+s \(exit 0\)$/);

    // ~2.5 s of steps with `every: 1s`: at least one status update, each the status template.
    const updates = posts.filter((p) => p.body.kind === 'status').map((p) => p.body.text);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    for (const text of updates) {
      expect(text).toMatch(/^Status Update - \d\d:\d\d$/m);
      expect(text).toMatch(/^Progress: [0-3] of 3 steps completed$/m);
    }
    const journal = readJournal(db);
    expect(journal).toHaveLength(1);
    expect(journal[0].events.filter((e) => e.kind === 'warning')).toEqual([]);
    expectTokenNowhere(dir, result);
  });

  it('a webhook that accepts the connection and never answers: the run still succeeds, bounded, with one warning naming the masked URL', async () => {
    const hook = await silentWebhook();
    const dir = tempDir('golive-notify-');
    const db = join(dir, 'g.db');
    // 3 × 2.2 s of steps: the first post (run.started) times out after 5 s, while the run is still going, so its warning is journaled.
    const stepTimeMs = 3 * 2200;
    const run = startGolive(['run', fixture('release.yaml'), '--db', db, '--var', 'pause=2.2'], { cwd: dir, env: { HOOK: hook.url } });
    const result = await run.exited;
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(hook.connections()).toBeGreaterThanOrEqual(1);
    // The run does not wait for the dead webhook beyond one delivery timeout at exit.
    expect(result.elapsedMs).toBeLessThan(stepTimeMs + 6_500);

    const [stored] = readJournal(db);
    expect(stored.outcome).toBe('succeeded');
    const warnings = stored.events.filter((e) => e.kind === 'warning');
    expect(warnings.map((w) => w.data.message)).toEqual([`webhook http://127.0.0.1:${hook.port}/***: no answer within 5000 ms`]);
    expect(stored.events.at(-1)!.kind).toBe('run.finished');
    // What goes wrong after the run ended reaches stderr, with the same masked URL.
    expect(result.stderr).toContain(`golive: warning: webhook http://127.0.0.1:${hook.port}/***: gave up on `);
    expectTokenNowhere(dir, result);
  });

  it('a failing step with on_failure: rollback: the bridge hears the failure, the rollback start and end, and the rolled-back outcome', async () => {
    const hook = await recordingWebhook();
    const dir = tempDir('golive-notify-');
    const db = join(dir, 'g.db');
    const run = startGolive(['run', fixture('rollback.yaml'), '--db', db, '--var', `dir=${dir}`], { cwd: dir, env: { HOOK: hook.url } });
    const result = await run.exited;
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    expect(readFileSync(join(dir, 'trace'), 'utf8')).toBe('schema\ndeploy\nundo-deploy\nundo-schema\n');

    const texts = hook.posts.map((p) => p.body.text);
    const at = (pattern: RegExp) => {
      const index = texts.findIndex((t) => pattern.test(t));
      expect(index, `no post matches ${pattern} in:\n${texts.join('\n')}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    const failed = at(/^✖ notify-rollback 3\.1\.1: step deploy \(Deploy the app\) attempt 1 failed: exited with status 3 \(\d+ms\)$/);
    const rollbackStarted = at(/^↩ notify-rollback 3\.1\.1: rolling back — step deploy failed: exited with status 3\. Order: deploy → schema$/);
    const deployUndone = at(/^✔ notify-rollback 3\.1\.1: step deploy \(Deploy the app\) rolled-back$/);
    const schemaUndone = at(/^✔ notify-rollback 3\.1\.1: step schema \(Migrate the schema\) rolled-back$/);
    const rollbackFinished = at(/^↩ notify-rollback 3\.1\.1: rollback complete$/);
    const finished = at(/^↩ notify-rollback 3\.1\.1: rolled-back in [\d.]+m?s \(exit 1\)$/);
    expect(hook.posts[0].body.kind).toBe('run.started');
    expect([failed, rollbackStarted, deployUndone, schemaUndone, rollbackFinished, finished]).toEqual(
      [failed, rollbackStarted, deployUndone, schemaUndone, rollbackFinished, finished].sort((a, b) => a - b),
    );
    expect(finished).toBe(texts.length - 1);
    // The step that never ran is not announced as anything.
    expect(texts.some((t) => t.includes('cache'))).toBe(false);
    expectTokenNowhere(dir, result);
  });
});

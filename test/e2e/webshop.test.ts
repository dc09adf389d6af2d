/**
 * The shipped webshop release runbook end to end, against the real little
 * HTTP service on 127.0.0.1: each scenario gets its own state directory and
 * a free port, starts from release 2.3.0 (runbooks/webshop/setup.sh), and
 * asks the service itself (GET /health) what it serves afterwards. The
 * service is always stopped, whatever happened.
 */
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { both, removeTempDirs } from './helpers.js';
import { cleanOutput, isAlive, readJournal, runIdFrom, verifyJournal } from './process-helpers.js';
import { startWebshop, webshopRunbook } from './webshop-service.js';

afterAll(() => removeTempDirs());

/** A webshop at release 2.3.0 (see webshop-service.ts), plus the release run this file exercises. */
async function webshop(context: TestContext) {
  const shop = await startWebshop(context, 'golive-webshop-');
  const release = (extra: string[] = []) =>
    shop.golive(['run', webshopRunbook, '--env', 'uat', '--var', `state_dir=${shop.stateDir}`, '--var', `port=${shop.port}`, '--yes', ...extra]);
  return { ...shop, release };
}

describe.concurrent('webshop release 2.4.0 on a real service', () => {
  it('the release succeeds and the service serves 2.4.0 on schema 4 with the new checkout', async (context) => {
    const shop = await webshop(context);
    const result = await shop.release();
    expect(result.code, both(result)).toBe(0);
    const out = cleanOutput(result.stdout, [shop.dir]);
    expect(out).toContain('◆ go-no-go: GO');
    for (const test of ['health [critical]', 'login [critical]', 'schema [major]', 'checkout-flow [minor]']) expect(out).toContain(`✔ smoke test ${test}`);
    expect(out).toMatch(/✔ succeeded in <t> \(exit 0\)$/m);

    const after = await shop.health();
    expect(after).toMatchObject({ status: 'ok', version: '2.4.0', schema: 4, checkout_flow: 'redesign' });
    // The restart step really replaced the process.
    expect(after.pid).not.toBe(shop.before.pid);
    expect(isAlive(shop.before.pid)).toBe(false);

    const [run] = readJournal(shop.db);
    expect(run).toMatchObject({ outcome: 'succeeded', exit_code: 0 });
    expect(run.events.filter((e) => e.kind === 'step.state').map((e) => `${e.data.stepId}:${e.data.state}`)).toEqual([
      'backup:succeeded',
      'deploy:succeeded',
      'migrate:succeeded',
      'configure:succeeded',
      'config-drill:skipped',
      'restart:succeeded',
      'announce:succeeded',
    ]);
    expect(verifyJournal(shop.db).ok).toBe(true);
  });

  it('the rollback drill fails after the configuration step and rolls everything back (exit 1): 2.3.0 on schema 3 is served again', async (context) => {
    const shop = await webshop(context);
    const result = await shop.release(['--var', 'fail_config=true']);
    expect(result.code, both(result)).toBe(1);
    const out = cleanOutput(result.stdout, [shop.dir]);
    expect(out).toContain('↩ rolling back: step config-drill failed: exited with status 1\n    order: configure → migrate → deploy\n');
    // The backup has nothing to undo (`rollback: none`): the rollback is still complete.
    expect(out).toContain('! backup: no-rollback — nothing to undo (rollback: none)\n');
    expect(out).toContain('✔ rollback complete, restore verified\n');

    const after = await shop.health();
    expect(after).toMatchObject({ status: 'ok', version: '2.3.0', schema: 3, checkout_flow: 'classic' });
    const [run] = readJournal(shop.db);
    expect(run).toMatchObject({ outcome: 'rolled-back', exit_code: 1 });
    // The restart never ran: nothing of it to undo.
    expect(run.events.some((e) => e.kind === 'step.started' && e.data.stepId === 'restart')).toBe(false);
  });

  it('a successful release rolled back later by a separate `golive rollback`: 2.3.0 on schema 3 is served again', async (context) => {
    const shop = await webshop(context);
    const released = await shop.release();
    expect(released.code, both(released)).toBe(0);
    expect(await shop.health()).toMatchObject({ version: '2.4.0', schema: 4 });
    const releaseRun = runIdFrom(released.stdout);

    // No run id: the latest run of this runbook in this environment.
    const rollback = await shop.golive(['rollback', '--runbook', 'webshop-release', '--env', 'uat']);
    expect(rollback.code, both(rollback)).toBe(0);
    const out = cleanOutput(rollback.stdout, [shop.dir]);
    expect(out).toContain(
      '  will undo, in order: restart → configure → migrate → deploy\n  no rollback defined (left as is): announce\n  nothing to undo (rollback: none): backup\n',
    );
    expect(out).toContain('    order: restart → configure → migrate → deploy\n');
    expect(out).toContain('✔ rollback complete, restore verified\n');

    expect(await shop.health()).toMatchObject({ status: 'ok', version: '2.3.0', schema: 3, checkout_flow: 'classic' });
    const runs = readJournal(shop.db);
    expect(runs.map((r) => [r.mode, r.outcome, r.parent_run_id])).toEqual([
      ['run', 'succeeded', null],
      ['rollback', 'rolled-back', releaseRun],
    ]);
    expect(verifyJournal(shop.db).ok).toBe(true);
  });
});

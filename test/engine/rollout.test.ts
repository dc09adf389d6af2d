/**
 * Rollouts over fake hosts: waves in order, hosts of a wave in parallel,
 * each host's steps in order; a failed host within `max_failures` is rolled
 * back on its own, over it the rollout stops after the running hosts and
 * the policy applies; a rollback undoes host by host, later waves untouched;
 * resume continues with the hosts not done.
 */
import { describe, expect, it } from 'vitest';
import { harness, priorFrom } from './harness.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `    - { name: web${i + 1}, host: 10.0.0.${i + 1} }`).join('\n');

const RUNBOOK = (extra = '', n = 5) => `
golive: 1
name: webshop-release
on_failure: rollback
team:
  site-owner: { name: Kim }
targets:
  db: [{ name: db1, host: 10.0.1.1 }]
  web:
${hosts(n)}
steps:
  - id: migrate
    on: db
    run: migrate {{ target.name }}
    rollback: unmigrate {{ target.name }}
  - id: web-rollout
    rollout:
      on: web
      waves: [1, 2, 100%]
${extra}
      steps:
        - id: deploy
          run: deploy {{ target.name }} > "$GOLIVE_OUTPUT"
          rollback: undeploy {{ target.name }} {{ steps.deploy.outputs.previous }}
        - id: health
          run: health {{ target.host }} wave {{ wave.number }}
          rollback: unhealth {{ target.name }}
`;

describe('a rollout in waves', () => {
  it('runs every host, waves in order, each host its steps in order, with per-host outputs', async () => {
    const h = harness(RUNBOOK());
    for (let i = 1; i <= 5; i++) h.runner.on(`deploy web${i} > "$GOLIVE_OUTPUT"`, { outputs: { previous: `v${i}` } });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(h.runner.commands[0]).toBe('migrate db1');
    expect(h.log.ofKind('wave.started').map((e) => [e.wave, e.targets])).toEqual([
      [1, ['web1']],
      [2, ['web2', 'web3']],
      [3, ['web4', 'web5']],
    ]);
    const commands = h.runner.commands;
    // Wave 1 ends before wave 2 starts; a host's health runs after its deploy.
    expect(commands.indexOf('health 10.0.0.1 wave 1')).toBeLessThan(commands.indexOf('deploy web2 > "$GOLIVE_OUTPUT"'));
    expect(commands).toContain('health 10.0.0.5 wave 3');
    expect(h.runner.spawned.find((s) => s.command === 'health 10.0.0.3 wave 2')?.spec.target).toEqual({ name: 'web3', host: '10.0.0.3' });
    expect(h.runner.spawned[0].spec.target).toEqual({ name: 'db1', host: '10.0.1.1' });
    expect(h.log.ofKind('target.finished').every((e) => e.outcome === 'succeeded')).toBe(true);
    const state = priorFrom(h.log.events);
    expect(state.outputs['deploy@web4']).toEqual({ previous: 'v4' });
    expect(state.steps.get('health@web5')?.state).toBe('succeeded');
    expect(state.rollouts.get('web-rollout')?.targets.size).toBe(5);
  });

  it('max_failures 0: host 3 fails, the rollout stops after its wave; failed and completed hosts are rolled back, later waves untouched', async () => {
    const h = harness(RUNBOOK());
    h.runner.fails('health 10.0.0.3 wave 2');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.runner.commands.some((c) => /web4|web5|10\.0\.0\.[45]/.test(c))).toBe(false);
    const undo = h.runner.commands.slice(h.runner.commands.findIndex((c) => c.startsWith('un')));
    // web3 first (its failed step first), then host by host in reverse wave order, each host's steps in reverse, then the db.
    expect(undo).toEqual(['unhealth web3', 'undeploy web3 ', 'unhealth web2', 'undeploy web2 ', 'unhealth web1', 'undeploy web1 ', 'unmigrate db1']);
    expect(h.log.ofKind('target.finished').filter((e) => e.outcome !== 'succeeded')).toMatchObject([
      { target: 'web3', outcome: 'failed', failedStep: 'health' },
    ]);
  });

  it('max_failures 1: the failed host is rolled back on its own and the rollout completes', async () => {
    const h = harness(RUNBOOK('      max_failures: 1'));
    h.runner.fails('health 10.0.0.3 wave 2');
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'succeeded-with-issues', exitCode: 0 });
    expect(h.runner.commands.filter((c) => c.startsWith('un'))).toEqual(['unhealth web3', 'undeploy web3 ']);
    expect(h.runner.commands).toContain('health 10.0.0.5 wave 3');
    const outcomes = Object.fromEntries(h.log.ofKind('target.finished').map((e) => [e.target, e.outcome]));
    expect(outcomes).toEqual({ web1: 'succeeded', web2: 'succeeded', web3: 'rolled-back', web4: 'succeeded', web5: 'succeeded' });
    expect(result.issues.join('\n')).toContain('web3: health');
  });

  it('asks the owner to sign off each wave before the next; without a terminal it stops resumably unless approved', async () => {
    const h = harness(RUNBOOK('      sign_off: { owner: site-owner, confirm: "Wave {{ wave.number }} healthy?" }\n      pause: 2m'), {
      options: { approved: new Set(['web-rollout']) },
    });
    const result = await h.run();
    expect(result.outcome).toBe('succeeded');
    const signOffs = h.log.ofKind('decision').filter((d) => d.subject === 'sign-off');
    expect(signOffs.map((d) => [d.subjectId, d.choice])).toEqual([
      ['web-rollout.wave-1', 'approved'],
      ['web-rollout.wave-2', 'approved'],
    ]);
    expect(signOffs[0].reason).toContain('site-owner (Kim): Wave 1 healthy?');
    expect(h.clock.sleeps.filter((ms) => ms === 120_000)).toHaveLength(2);

    const stopped = harness(RUNBOOK('      sign_off: { owner: site-owner, confirm: "Wave {{ wave.number }} healthy?" }'));
    const first = await stopped.run();
    expect(first).toMatchObject({ outcome: 'aborted', exitCode: 3 });
    expect(stopped.log.ofKind('wave.started')).toHaveLength(1);
  });

  it('rolls back a finished rollout from the journal host by host, and resume continues only the hosts left', async () => {
    const first = harness(RUNBOOK('      max_failures: 0'), { options: { runId: 'run-1' } });
    first.runner.fails('health 10.0.0.3 wave 2');
    first.plan.onFailure = 'abort';
    expect((await first.run()).outcome).toBe('aborted');

    const resume = harness(RUNBOOK('      max_failures: 0'), { options: { mode: 'resume' } });
    const resumed = await resume.run(priorFrom(first.log.events));
    expect(resumed.outcome).toBe('succeeded');
    // web1 and web2 were done; web3 re-runs its failed step only; wave 3 runs.
    expect(resume.runner.commands).toEqual([
      'health 10.0.0.3 wave 2',
      'deploy web4 > "$GOLIVE_OUTPUT"',
      'deploy web5 > "$GOLIVE_OUTPUT"',
      'health 10.0.0.4 wave 3',
      'health 10.0.0.5 wave 3',
    ]);

    const back = harness(RUNBOOK('      max_failures: 0'), { options: { mode: 'rollback' } });
    const rolled = await back.rollback('requested', priorFrom([...first.log.events, ...resume.log.events]));
    expect(rolled.outcome).toBe('rolled-back');
    const hostsInOrder = back.runner.commands.map((c) => c.split(' ')[1]);
    expect(hostsInOrder).toEqual(['web5', 'web5', 'web4', 'web4', 'web3', 'web3', 'web2', 'web2', 'web1', 'web1', 'db1'].map((x) => x));
  });
});

describe('hosts at once, and what stops them', () => {
  it('runs at most `concurrency` hosts of a wave at once', async () => {
    const h = harness(RUNBOOK('      concurrency: 2', 7).replace('waves: [1, 2, 100%]', 'waves: [100%]'));
    h.runner.on(/^deploy /, { delayMs: 20 });
    await h.run();
    let running = 0;
    let most = 0;
    for (const entry of h.timeline) {
      if (/^spawn deploy /.test(entry)) most = Math.max(most, ++running);
      if (/^exit deploy /.test(entry)) running--;
    }
    expect(most).toBe(2);
  });

  it('over max_failures no new host of the wave starts; the running ones finish', async () => {
    const h = harness(RUNBOOK('      concurrency: 1').replace('waves: [1, 2, 100%]', 'waves: [5]'));
    h.runner.fails('health 10.0.0.2 wave 1');
    const result = await h.run();
    expect(result.outcome).toBe('rolled-back');
    expect(h.runner.commands.some((c) => /web3|10\.0\.0\.3/.test(c))).toBe(false);
  });

  it('an `on:` step runs once per host; one host failing fails the step, and the rollback undoes every host it ran on', async () => {
    const h = harness(`
golive: 1
name: webshop-release
on_failure: rollback
targets:
  web: [{ name: a, host: 10.0.0.1 }, { name: b, host: 10.0.0.2 }, { name: c, host: 10.0.0.3 }]
steps:
  - id: stop
    on: web
    run: stop {{ target.name }}
    rollback: start {{ target.name }}
`);
    h.runner.on('stop b', { transportError: 'could not connect to b (10.0.0.2): Connection refused' });
    const result = await h.run();
    expect(result.outcome).toBe('rolled-back');
    expect(h.runner.commands.slice(0, 3).sort()).toEqual(['stop a', 'stop b', 'stop c']);
    expect(h.runner.commands.slice(3).sort()).toEqual(['start a', 'start b', 'start c']);
    expect(h.runner.commands[3]).toBe('start b');
    // The transport's cause is what the operator reads, naming the host.
    expect(h.log.ofKind('step.state').find((e) => e.target === 'b' && e.state === 'failed')?.reason).toBe(
      'could not connect to b (10.0.0.2): Connection refused',
    );
    expect(h.log.only('rollback.started').reason).toContain('step stop@b failed: could not connect to b');
  });
});

describe('a sign-off refused', () => {
  it('is a failure of the rollout: the run policy applies (here: roll back the waves that ran)', async () => {
    const h = harness(RUNBOOK('      sign_off: { owner: site-owner, confirm: "Wave {{ wave.number }} healthy?" }'), {
      interactive: true,
      answers: { confirm: [false] },
    });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    expect(h.log.ofKind('decision').find((d) => d.subject === 'sign-off')).toMatchObject({
      subjectId: 'web-rollout.wave-1',
      choice: 'declined',
      via: 'prompt',
    });
    expect(h.runner.commands.filter((c) => c.startsWith('un'))).toEqual(['unhealth web1', 'undeploy web1 ', 'unmigrate db1']);
  });
});

describe('concurrency of an on: step', () => {
  it('runs at most `concurrency` of its hosts at once', async () => {
    const group = Array.from({ length: 6 }, (_, i) => `{ name: h${i}, host: 10.0.2.${i} }`).join(', ');
    const h = harness(`
golive: 1
name: webshop-release
targets:
  web: [${group}]
steps:
  - id: restart
    on: web
    concurrency: 2
    run: restart {{ target.name }}
    rollback: none
`);
    h.runner.on(/^restart /, { delayMs: 20 });
    expect((await h.run()).outcome).toBe('succeeded');
    let running = 0;
    let most = 0;
    for (const entry of h.timeline) {
      if (entry.startsWith('spawn restart')) most = Math.max(most, ++running);
      if (entry.startsWith('exit restart')) running--;
    }
    expect(h.runner.count(/^restart /)).toBe(6);
    expect(most).toBe(2);
  });
});

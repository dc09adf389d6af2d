/** The resolved plan as text (`golive plan`) and as JSON (`golive plan --json`). */

import { signOffSubject } from '../engine/run-state.js';
import type { RemoteTarget } from '../process/types.js';
import { formatDuration } from '../runbook/duration.js';
import { expectedTotalMs, type Plan, type PlannedApproval, type PlannedCommand, type PlannedRetry, type PlannedStep, planSteps } from '../runbook/plan.js';
import { renderTemplate, type TemplateContext } from '../runbook/templates.js';
import type { Paint } from './paint.js';
import { printable as p, printableLines } from './printable.js';

/** How the plan shows values it cannot know yet: secrets as ***, outputs and run id as placeholders. */
export function displayContext(plan: Plan, env: NodeJS.ProcessEnv = process.env): TemplateContext {
  const secrets = Object.fromEntries(Object.keys(plan.runbook.secrets ?? {}).map((name) => [name, '***']));
  return { vars: plan.vars, env, secrets, outputs: {}, runId: '<run.id>', environment: plan.environment ?? '' };
}

/** A command for display: templates resolved, unknowns as `<expression>`. */
function displayCommand(text: string, context: TemplateContext): string {
  return renderTemplate(text, context, (part) => `<${part.expression}>`);
}

/** Everything `golive plan` reports, as data. */
export function planAsJson(plan: Plan, problems: string[], context = displayContext(plan)): object {
  const cmd = (c?: PlannedCommand) =>
    c && { run: displayCommand(c.run, context), cwd: displayCommand(c.cwd, context), shell: c.shell, timeoutMs: c.timeoutMs ?? null };
  const step = (s: PlannedStep) => ({
    id: s.id,
    title: s.title,
    owner: s.owner ?? null,
    group: s.group ?? null,
    command: cmd(s.command) ?? null,
    confirm: s.confirm ?? null,
    expectedMs: s.expectedMs ?? null,
    retry: s.retry,
    onFailure: s.onFailure ?? null,
    ...(s.when !== undefined ? { when: s.when } : {}),
    ...(s.approval !== undefined ? { approval: s.approval } : {}),
    validate: s.validate ? { ...cmd(s.validate), attempts: s.validate.attempts, intervalMs: s.validate.intervalMs } : null,
    rollback: s.rollback
      ? { ...cmd(s.rollback), validate: cmd(s.rollback.validate) ?? null, ...(s.rollback.when !== undefined ? { when: s.rollback.when } : {}) }
      : null,
    ...(s.nothingToUndo ? { nothingToUndo: true } : {}),
    ...(s.on !== undefined ? { on: s.on, targets: (plan.targets[s.on] ?? []).map((t) => t.name) } : {}),
  });
  return {
    runbook: { name: plan.runbook.name, version: plan.runbook.version ?? null, path: plan.source.file, sha256: plan.source.sha256 },
    environment: plan.environment ?? null,
    protected: plan.protected,
    ...(plan.approval !== undefined ? { approval: plan.approval } : {}),
    change: plan.change ?? null,
    window: plan.window ? { start: plan.runbook.window?.start, end: plan.runbook.window?.end } : null,
    checks: plan.checks.map((c) => ({
      id: c.id,
      title: c.title,
      blocking: c.blocking,
      command: cmd(c.command) ?? null,
      confirm: c.confirm ?? null,
      ...(c.when !== undefined ? { when: c.when } : {}),
      ...(c.approval !== undefined ? { approval: c.approval } : {}),
    })),
    steps: planSteps(plan).map(step),
    verify: plan.verify.map((v) => ({
      id: v.id,
      title: v.title,
      severity: v.severity,
      command: cmd(v.command),
      ...(v.when !== undefined ? { when: v.when } : {}),
    })),
    rollbackVerify: plan.rollbackVerify.map((v) => ({ id: v.id, command: cmd(v) })),
    rollouts: plan.stages.flatMap((stage) =>
      stage.kind === 'rollout'
        ? [
            {
              id: stage.id,
              group: stage.rollout.group,
              waves: stage.rollout.waves.map((wave) => wave.map((t) => t.name)),
              maxFailures: stage.rollout.maxFailures,
              concurrency: stage.rollout.concurrency,
              signOff: stage.rollout.signOff
                ? {
                    owner: stage.rollout.signOff.owner.role,
                    confirm: stage.rollout.signOff.confirm,
                    ...(stage.rollout.signOff.approval !== undefined ? { approval: stage.rollout.signOff.approval } : {}),
                  }
                : null,
              pauseMs: stage.rollout.pauseMs ?? null,
              steps: stage.rollout.steps.map((s) => s.id),
            },
          ]
        : [],
    ),
    expectedTotalMs: expectedTotalMs(plan),
    withoutRollback: planSteps(plan)
      .filter((s) => !s.rollback && !s.nothingToUndo && s.command)
      .map((s) => s.id),
    problems,
  };
}

/** The plan for people. */
export function planAsText(plan: Plan, problems: string[], paint: Paint, context = displayContext(plan)): string {
  const out: string[] = [];
  const rb = plan.runbook;
  // Multi-line commands keep their shape, indented under the label; everything else from the runbook is escaped (p).
  const show = (text: string) => printableLines(displayCommand(text, context)).replace(/\n+$/, '').replace(/\n/g, '\n                 ');
  out.push(paint.bold(`Plan: ${p(rb.name)}${rb.version ? ` ${p(rb.version)}` : ''}${rb.description ? ` — ${p(rb.description)}` : ''}`));
  const facts = [
    plan.environment && `environment ${p(plan.environment)}${plan.protected ? ' (protected)' : ''}`,
    plan.change && `change ${p(plan.change)}`,
    rb.window && `window ${rb.window.start} → ${rb.window.end}`,
  ].filter(Boolean);
  if (facts.length) out.push(facts.join(' · '));
  out.push(paint.dim(`${p(plan.source.file)} · sha256 ${plan.source.sha256.slice(0, 12)}`));
  if (plan.approval)
    out.push(`After the checklist, before the first step: ${approvalText(plan.approval)} (\`golive approve <run-id> ${p(plan.environment ?? '')}\`)`);

  if (plan.checks.length) {
    out.push('', paint.bold('Pre-deployment checks (go / no-go)'));
    plan.checks.forEach((c, i) => {
      out.push(`  ${i + 1}. ${p(c.id)}${c.blocking ? '' : paint.dim(' (non-blocking)')}${owner(c.owner)}${c.when ? paint.dim(` (when ${p(c.when)})`) : ''}`);
      out.push(c.command ? `       run:      ${show(c.command.run)}` : `       confirm:  ${show(c.confirm ?? '')}`);
      if (c.approval) out.push(`       approval: ${approvalText(c.approval)}`);
    });
  }

  out.push('', paint.bold('Steps'));
  let n = 0;
  const stepLines = (s: PlannedStep, label: string) => {
    out.push(`  ${label} ${paint.bold(p(s.id))}${s.title !== s.id ? ` — ${p(s.title)}` : ''}${owner(s.owner)}`);
    if (s.when) out.push(`       when:     ${p(s.when)}`);
    if (s.on !== undefined) out.push(`       on:       ${p(s.on)}: ${hostList(plan.targets[s.on] ?? [])}`);
    if (s.approval) out.push(`       approval: ${approvalText(s.approval)}`);
    out.push(
      `       expected: ${formatDuration(s.expectedMs)}   timeout: ${s.command?.timeoutMs ? formatDuration(s.command.timeoutMs) : 'none'}${s.retry.attempts > 1 ? `   retry: ${retryText(s.retry)}` : ''}${s.onFailure ? `   on failure: ${s.onFailure}` : ''}`,
    );
    if (s.command) out.push(`       run:      ${show(s.command.run)}`);
    if (s.confirm) out.push(`       confirm:  ${show(s.confirm)}`);
    if (s.validate)
      out.push(
        `       validate: ${show(s.validate.run)}${s.validate.attempts > 1 ? paint.dim(` (up to ${s.validate.attempts}×, every ${formatDuration(s.validate.intervalMs)})`) : ''}`,
      );
    out.push(
      s.rollback
        ? `       rollback: ${show(s.rollback.run)}${s.rollback.when ? paint.dim(` (when ${p(s.rollback.when)})`) : ''}`
        : s.nothingToUndo
          ? `       rollback: none ${paint.dim('(nothing to undo)')}`
          : `       rollback: ${paint.yellow(s.command ? 'none defined' : 'manual step, nothing to undo')}`,
    );
  };
  for (const stage of plan.stages) {
    if (stage.kind === 'step') stepLines(stage.step, `${++n}.`);
    else if (stage.kind === 'rollout') {
      n++;
      const r = stage.rollout;
      const hosts = r.waves.reduce((sum, w) => sum + w.length, 0);
      const facts = [
        `rollout on ${p(r.group)}: ${hosts} host${hosts === 1 ? '' : 's'} in ${r.waves.length} wave${r.waves.length === 1 ? '' : 's'}`,
        `max_failures ${r.maxFailures}`,
        r.concurrency < Math.max(0, ...r.waves.map((w) => w.length)) ? `${r.concurrency} at a time` : undefined,
        r.signOff ? `sign-off by ${p(r.signOff.owner.role)}${r.signOff.owner.name ? ` (${p(r.signOff.owner.name)})` : ''}` : undefined,
        r.pauseMs ? `pause ${formatDuration(r.pauseMs)}` : undefined,
      ].filter(Boolean);
      out.push(`  ${n}. ${paint.bold(p(stage.id))}${stage.title !== stage.id ? ` — ${p(stage.title)}` : ''} ${paint.dim(`(${facts.join(', ')})`)}`);
      r.waves.forEach((wave, i) => {
        out.push(`       wave ${i + 1}: ${hostList(wave)}`);
        // Who signs the wave off before the next one starts, and the point they answer.
        if (r.signOff?.approval && i < r.waves.length - 1)
          out.push(
            `         then ${p(signOffSubject(stage.id, i + 1))}: ${approvalText(r.signOff.approval)} (\`golive approve <run-id> ${p(signOffSubject(stage.id, i + 1))}\`)`,
          );
      });
      if (r.signOff) out.push(`       between waves: ${show(r.signOff.confirm)}`);
      r.steps.forEach((m, i) => {
        stepLines(m, `   ${n}${String.fromCharCode(97 + i)}.`);
      });
    } else {
      n++;
      out.push(`  ${n}. ${paint.bold(p(stage.id))} ${paint.dim(`(parallel: ${stage.members.length} steps at once)`)}`);
      stage.members.forEach((m, i) => {
        stepLines(m, `   ${n}${String.fromCharCode(97 + i)}.`);
      });
    }
  }

  if (plan.verify.length) {
    out.push('', paint.bold('Smoke tests'));
    plan.verify.forEach((v) => {
      out.push(`  ${p(v.id)} [${v.severity}]: ${show(v.command.run)}${v.when ? paint.dim(` (when ${p(v.when)})`) : ''}`);
    });
  }
  if (plan.rollbackVerify.length) {
    out.push('', paint.bold('After a rollback, verify'));
    plan.rollbackVerify.forEach((v) => {
      out.push(`  ${show(v.run)}`);
    });
  }
  const withoutRollback = planSteps(plan)
    .filter((s) => !s.rollback && !s.nothingToUndo && s.command)
    .map((s) => s.id);
  const count = planSteps(plan).length;
  const unknown = planSteps(plan)
    .filter((s) => s.expectedMs === undefined)
    .map((s) => s.id);
  out.push(
    '',
    `Total expected: ${formatDuration(expectedTotalMs(plan))} for ${count} step${count === 1 ? '' : 's'}${unknown.length ? paint.dim(` (no expected duration: ${p(unknown.join(', '))})`) : ''}`,
  );
  if (withoutRollback.length) out.push(paint.yellow(`Without rollback: ${p(withoutRollback.join(', '))}`));
  if (problems.length) {
    out.push('', paint.red('Missing before this can run:'));
    problems.forEach((problem) => {
      out.push(`  - ${p(problem)}`);
    });
  }
  return out.join('\n');
}

/** `3 attempts, 20s apart`; with back-off `3 attempts, 20s then ×2 (at most 1m)`; with codes `…, on exit 75, 111`. */
function retryText(retry: PlannedRetry): string {
  const wait = retry.backoff === undefined ? `${formatDuration(retry.delayMs)} apart` : `${formatDuration(retry.delayMs)} then ×${retry.backoff}`;
  const cap = retry.maxDelayMs === undefined ? '' : ` (at most ${formatDuration(retry.maxDelayMs)})`;
  const codes = retry.onExitCodes === undefined ? '' : `, on exit ${retry.onExitCodes.join(', ')}`;
  return `${retry.attempts} attempts, ${wait}${cap}${codes}`;
}

/** `2 of Li Wei (dba), Ana Ruiz (deployment-lead); not by the runner; within 30m`. */
function approvalText(approval: PlannedApproval): string {
  const people = approval.people.map((person) => `${p(person.name)} (${p(person.role)}, user ${p(person.user)})`).join(', ');
  const conditions = [
    approval.selfApproval ? '' : 'not by whoever started the run',
    approval.timeoutMs === undefined ? '' : `within ${formatDuration(approval.timeoutMs)}`,
  ].filter(Boolean);
  return `${approval.minApprovals} of ${people || 'nobody'}${conditions.length ? `; ${conditions.join('; ')}` : ''}`;
}

function owner(o?: { role: string; name?: string }): string {
  return o ? `  [${p(o.role)}${o.name ? `: ${p(o.name)}` : ''}]` : '';
}

/** Host names of a group or wave, shortened past a screenful (a wave of 500 hosts is one line). */
function hostList(hosts: readonly RemoteTarget[]): string {
  const shown = hosts.slice(0, 20).map((h) => p(h.name));
  return hosts.length > shown.length ? `${shown.join(', ')} and ${hosts.length - shown.length} more` : shown.join(', ') || '(no hosts)';
}

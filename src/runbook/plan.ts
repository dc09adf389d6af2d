/**
 * The plan: a checked runbook resolved for one environment. Durations are
 * milliseconds, defaults applied, owners looked up, variables merged.
 * Command templates stay templates: they are rendered just before each
 * command runs, when earlier steps' outputs exist.
 */
import { isAbsolute, resolve } from 'node:path';
import type { RemoteTarget } from '../process/types.js';
import { composeVars } from './compose-vars.js';
import { parseDuration } from './duration.js';
import type { RunbookSource } from './source.js';
import { hostCount, runsOnHosts, splitIntoWaves, targetGroups } from './targets.js';
import { membersOf, roleHolderNames } from './team.js';
import { ownValue } from './templates.js';
import {
  type ApprovalSpec,
  type FailurePolicy,
  isParallelGroup,
  isRolloutStep,
  NO_ROLLBACK,
  type Retry,
  type Runbook,
  type Severity,
  type Step,
  type Validation,
} from './types.js';

/** A command as planned: template text plus how to run it. */
export interface PlannedCommand {
  run: string;
  shell: string;
  /** Absolute, or a template resolved against the runbook's directory at run time. */
  cwd: string;
  timeoutMs?: number;
}

export interface PlannedValidation extends PlannedCommand {
  attempts: number;
  intervalMs: number;
}

export interface PlannedRollback extends PlannedCommand {
  validate?: PlannedValidation;
  /** Run only when this condition holds (as written; templates unrendered). */
  when?: string;
}

/** How a command is retried: `delayMs` before the second try, growing by `backoff`, capped at `maxDelayMs`. */
export interface PlannedRetry {
  attempts: number;
  delayMs: number;
  /** Undefined: every wait is `delayMs`. */
  backoff?: number;
  maxDelayMs?: number;
  /** Retry only on these exit codes (a timeout is 124); undefined: on any failure. */
  onExitCodes?: number[];
}

/** A person who may approve: their role, their name, the identity that is theirs. */
export interface PlannedApprover {
  role: string;
  name: string;
  user: string;
}

/** Who must approve a confirmation point before the run goes past it. */
export interface PlannedApproval {
  /** The roles, as written. */
  roles: string[];
  /** Every person of those roles who has a `user` (a person in two roles once). */
  people: PlannedApprover[];
  minApprovals: number;
  /** Whether the identity that started the run may approve. */
  selfApproval: boolean;
  /** Undefined: wait until decided or interrupted. */
  timeoutMs?: number;
}

export interface PlannedStep {
  id: string;
  title: string;
  owner?: { role: string; name?: string };
  /** A command step, or a manual step (`confirm`). */
  command?: PlannedCommand;
  confirm?: string;
  expectedMs?: number;
  retry: PlannedRetry;
  validate?: PlannedValidation;
  rollback?: PlannedRollback;
  /** `rollback: none`: the step changes nothing that needs undoing (so a rollback passes over it, complete). */
  nothingToUndo?: true;
  /** Per-step policy; undefined = the run's policy. */
  onFailure?: FailurePolicy;
  /** Extra environment (templates). */
  env: Record<string, string>;
  /** The parallel group it belongs to. */
  group?: string;
  /** Run only when this condition holds (as written; templates unrendered). */
  when?: string;
  /** The group of hosts it runs on, once per host (`on:`); undefined: on this machine. */
  on?: string;
  /** With `on`, how many hosts run it at once; undefined: all. */
  concurrency?: number;
  /**
   * Set on one host's execution of a hosted step (see instances.ts), whose
   * `id` is then `<step>@<host>`: the host, the step's own id, and for a
   * rollout step its rollout and wave.
   */
  instance?: { stepId: string; target: RemoteTarget; rollout?: { id: string; wave: number } };
  /** Named people must approve before it runs (a `confirm` step: the approval is the confirmation). */
  approval?: PlannedApproval;
}

/** A rollout as planned: the hosts of each wave, resolved for the environment. */
export interface PlannedRollout {
  group: string;
  waves: RemoteTarget[][];
  /** Failed hosts tolerated (a count, percentages resolved against the group). */
  maxFailures: number;
  /** Hosts of a wave that run at the same time. */
  concurrency: number;
  /** With `approval`, each wave's sign-off waits for named people at the point `<rollout-id>.wave-<n>`. */
  signOff?: { owner: { role: string; name?: string }; confirm: string; approval?: PlannedApproval };
  pauseMs?: number;
  /** The steps each host runs, in order (as written: `instancesOf` makes one host's). */
  steps: PlannedStep[];
}

export type PlannedStage =
  | { kind: 'step'; step: PlannedStep }
  | { kind: 'parallel'; id: string; title: string; members: PlannedStep[] }
  | { kind: 'rollout'; id: string; title: string; rollout: PlannedRollout };

export interface PlannedCheck {
  id: string;
  title: string;
  owner?: { role: string; name?: string };
  command?: PlannedCommand;
  confirm?: string;
  blocking: boolean;
  /** Run only when this condition holds. */
  when?: string;
  /** Named people must approve it (a `confirm` check: the approval is the answer). */
  approval?: PlannedApproval;
}

export interface PlannedSmokeTest {
  id: string;
  title: string;
  owner?: { role: string; name?: string };
  command: PlannedCommand;
  severity: Severity;
  retry: PlannedRetry;
  /** Run only when this condition holds. */
  when?: string;
}

export interface Plan {
  source: RunbookSource;
  runbook: Runbook;
  environment?: string;
  protected: boolean;
  /** Named people must approve a run in this environment (after the checklist, before the first step). */
  approval?: PlannedApproval;
  window?: { start: Date; end: Date };
  change?: string;
  /** Top-level vars, then the environment's, then `--var` (strings: they become environment variables); composed vars resolved. */
  vars: Record<string, string>;
  /** The text as written of each var composed from templates (`{{ vars.x }}/api`), for the plan and the unset-`env` check. */
  varTemplates: Record<string, string>;
  /** Runbook-wide failure policy: `defaults.on_failure`, else the runbook's top-level `on_failure`; undefined = the interactive default. */
  onFailure?: FailurePolicy;
  checks: PlannedCheck[];
  /** The groups of hosts for the environment (the environment's groups replace the top-level ones). */
  targets: Record<string, RemoteTarget[]>;
  stages: PlannedStage[];
  verify: PlannedSmokeTest[];
  rollbackVerify: Array<PlannedCommand & { id: string; title: string }>;
  notify: Array<{ webhook: string; everyMs?: number }>;
}

/** Default per-command timeout when neither the step nor `defaults` sets one: none (documented). */
const NO_RETRY: PlannedRetry = { attempts: 1, delayMs: 0 };

/** Resolve a valid runbook for an environment. */
export function resolvePlan(
  source: RunbookSource,
  runbook: Runbook,
  options: { environment?: string; vars?: Record<string, string>; env?: NodeJS.ProcessEnv } = {},
): Plan {
  const defaults = runbook.defaults ?? {};
  const env = options.environment ? ownValue(runbook.environments ?? {}, options.environment) : undefined;
  const shell = defaults.shell ?? 'bash';
  const cwdOf = (cwd: string | undefined) => (cwd === undefined ? source.dir : isAbsolute(cwd) || cwd.includes('{{') ? cwd : resolve(source.dir, cwd));
  const defaultCwd = cwdOf(defaults.cwd);
  const command = (run: string, spec: { shell?: string; cwd?: string; timeout?: string | number }): PlannedCommand => ({
    run,
    shell: spec.shell ?? shell,
    cwd: spec.cwd === undefined ? defaultCwd : cwdOf(spec.cwd),
    timeoutMs: parseDuration(spec.timeout ?? defaults.timeout),
  });
  const validation = (v: Validation | undefined, base: { shell?: string; cwd?: string }): PlannedValidation | undefined => {
    if (v === undefined) return undefined;
    const spec = typeof v === 'string' ? { run: v } : v;
    return { ...command(spec.run, { ...base, timeout: spec.timeout }), attempts: spec.attempts ?? 1, intervalMs: parseDuration(spec.interval) ?? 2000 };
  };
  const ownerOf = (role: string | undefined) => (role === undefined ? undefined : { role, name: roleHolderNames(runbook.team, role) });
  const retryOf = (r: Retry | undefined): PlannedRetry | undefined =>
    r && {
      attempts: r.attempts,
      delayMs: parseDuration(r.delay) ?? 0,
      // Only the keys the runbook sets, so a plain retry plans (and prints as JSON) as it always did.
      ...(r.backoff !== undefined && r.backoff !== 1 ? { backoff: r.backoff } : {}),
      ...(r.max_delay !== undefined ? { maxDelayMs: parseDuration(r.max_delay) } : {}),
      ...(r.on_exit_codes !== undefined ? { onExitCodes: [...r.on_exit_codes] } : {}),
    };

  // Four eyes by default where it matters: in a protected environment the runner cannot approve their own run.
  const selfByDefault = env?.self_approval ?? env?.protected !== true;
  const approvalOf = (spec: ApprovalSpec | undefined): PlannedApproval | undefined =>
    spec?.approvers === undefined ? undefined : planApproval(runbook, spec, selfByDefault);

  const planStep = (step: Step, group?: string): PlannedStep => {
    const nothingToUndo = step.rollback === NO_ROLLBACK;
    const rollbackSpec = nothingToUndo ? undefined : typeof step.rollback === 'string' ? { run: step.rollback } : step.rollback;
    return {
      id: step.id,
      title: step.title ?? step.id,
      owner: ownerOf(step.owner),
      command: step.run === undefined ? undefined : command(step.run, step),
      confirm: step.confirm,
      expectedMs: parseDuration(step.duration),
      retry: retryOf(step.retry) ?? retryOf(defaults.retry) ?? NO_RETRY,
      validate: validation(step.validate, step),
      rollback: rollbackSpec && {
        ...command(rollbackSpec.run, { shell: rollbackSpec.shell ?? step.shell, cwd: rollbackSpec.cwd ?? step.cwd, timeout: rollbackSpec.timeout }),
        validate: validation(rollbackSpec.validate, { shell: rollbackSpec.shell ?? step.shell, cwd: rollbackSpec.cwd ?? step.cwd }),
        ...(rollbackSpec.when !== undefined ? { when: rollbackSpec.when } : {}),
      },
      ...(nothingToUndo ? { nothingToUndo: true as const } : {}),
      onFailure: step.on_failure,
      env: step.env ?? {},
      group,
      ...(step.when !== undefined ? { when: step.when } : {}),
      ...(runsOnHosts(step.on) ? { on: step.on, ...(step.concurrency !== undefined ? { concurrency: step.concurrency } : {}) } : {}),
      ...(step.approvers !== undefined ? { approval: approvalOf(step) } : {}),
    };
  };
  const targets: Record<string, RemoteTarget[]> = Object.create(null);
  for (const [name, hosts] of Object.entries(targetGroups(runbook, options.environment))) {
    targets[name] = hosts.map((h) => ({
      name: h.name,
      host: h.host,
      ...(h.user !== undefined ? { user: h.user } : {}),
      ...(h.port !== undefined ? { port: h.port } : {}),
    }));
  }

  // A null prototype: variable names are the user's, and `__proto__` must stay a plain key.
  const written: Record<string, string> = Object.create(null);
  for (const source of [runbook.vars, env?.vars, options.vars]) {
    for (const [k, v] of Object.entries(source ?? {})) written[k] = String(v);
  }
  const literal = new Set(Object.keys(options.vars ?? {}));
  // `{{ env.X }}` in a var reads the operator's environment, as commands do.
  const vars = composeVars(written, literal, { environment: options.environment ?? '', env: options.env ?? process.env });
  const varTemplates: Record<string, string> = Object.create(null);
  for (const [name, text] of Object.entries(written)) if (!literal.has(name) && text.includes('{{')) varTemplates[name] = text;

  return {
    source,
    runbook,
    environment: options.environment,
    protected: env?.protected === true,
    ...(env?.approvers !== undefined ? { approval: planApproval(runbook, env, env.protected !== true) } : {}),
    window: runbook.window && { start: new Date(runbook.window.start), end: new Date(runbook.window.end) },
    change: runbook.change,
    vars,
    varTemplates,
    onFailure: defaults.on_failure ?? runbook.on_failure,
    checks: (runbook.checks ?? []).map((c) => ({
      id: c.id,
      title: c.title ?? c.confirm ?? c.id,
      owner: ownerOf(c.owner),
      command: c.run === undefined ? undefined : command(c.run, c),
      confirm: c.confirm,
      blocking: c.blocking ?? true,
      ...(c.when !== undefined ? { when: c.when } : {}),
      ...(c.approvers !== undefined ? { approval: approvalOf(c) } : {}),
    })),
    targets,
    stages: runbook.steps.map((entry): PlannedStage => {
      if (isParallelGroup(entry))
        return { kind: 'parallel', id: entry.id, title: entry.title ?? entry.id, members: entry.parallel.map((m) => planStep(m, entry.id)) };
      if (!isRolloutStep(entry)) return { kind: 'step', step: planStep(entry) };
      const { rollout } = entry;
      const hosts = targets[rollout.on] ?? [];
      const waves = splitIntoWaves(hosts, rollout.waves);
      return {
        kind: 'rollout',
        id: entry.id,
        title: entry.title ?? entry.id,
        rollout: {
          group: rollout.on,
          waves,
          maxFailures: hostCount(rollout.max_failures ?? 0, hosts.length, 'down'),
          concurrency: rollout.concurrency ?? Math.max(1, ...waves.map((w) => w.length)),
          ...(rollout.sign_off
            ? {
                signOff: {
                  owner: ownerOf(rollout.sign_off.owner)!,
                  confirm: rollout.sign_off.confirm,
                  ...(rollout.sign_off.approvers !== undefined ? { approval: approvalOf(rollout.sign_off) } : {}),
                },
              }
            : {}),
          ...(rollout.pause !== undefined ? { pauseMs: parseDuration(rollout.pause) } : {}),
          steps: rollout.steps.map((step) => planStep(step)),
        },
      };
    }),
    verify: (runbook.verify ?? []).map((v) => ({
      id: v.id,
      title: v.title ?? v.id,
      owner: ownerOf(v.owner),
      command: command(v.run, v),
      severity: v.severity ?? 'critical',
      retry: retryOf(v.retry) ?? NO_RETRY,
      ...(v.when !== undefined ? { when: v.when } : {}),
    })),
    rollbackVerify: (runbook.rollback?.verify ?? []).map((v, i) => ({
      ...command(v.run, v),
      id: v.id ?? `rollback-verify-${i + 1}`,
      title: v.title ?? v.id ?? v.run,
    })),
    notify: (runbook.notify ?? []).map((n) => ({ webhook: n.webhook, everyMs: parseDuration(n.every) })),
  };
}

/** The approval a spec asks for; `selfByDefault` when the spec does not say whether the runner may approve. */
function planApproval(runbook: Runbook, spec: ApprovalSpec, selfByDefault: boolean): PlannedApproval {
  const roles = spec.approvers ?? [];
  const people: PlannedApprover[] = [];
  for (const role of roles) {
    for (const member of membersOf(runbook.team, role)) {
      if (member.user !== undefined && !people.some((p) => p.user === member.user)) people.push({ role, name: member.name, user: member.user });
    }
  }
  return {
    roles: [...roles],
    people,
    minApprovals: spec.min_approvals ?? 1,
    selfApproval: spec.self_approval ?? selfByDefault,
    timeoutMs: parseDuration(spec.approval_timeout),
  };
}

/** The steps of one stage as written: the step, a group's members, or a rollout's steps (once, not per host). */
export function stageSteps(stage: PlannedStage): PlannedStep[] {
  return stage.kind === 'step' ? [stage.step] : stage.kind === 'parallel' ? stage.members : stage.rollout.steps;
}

/** Every step in execution order, group members flattened. */
export function planSteps(plan: Plan): PlannedStep[] {
  return plan.stages.flatMap(stageSteps);
}

/** Expected time of the steps: a parallel group counts its longest member. */
export function expectedTotalMs(plan: Plan): number {
  return plan.stages.reduce((sum, stage) => sum + stageExpectedMs(stage), 0);
}

/** Expected time of one stage: a group its longest member; a rollout its steps once per round of `concurrency` hosts in each wave. */
export function stageExpectedMs(stage: PlannedStage): number {
  if (stage.kind === 'step') return stage.step.expectedMs ?? 0;
  if (stage.kind === 'parallel') return Math.max(0, ...stage.members.map((m) => m.expectedMs ?? 0));
  const { rollout } = stage;
  const perHost = rollout.steps.reduce((sum, s) => sum + (s.expectedMs ?? 0), 0);
  const rounds = rollout.waves.reduce((sum, wave) => sum + Math.ceil(wave.length / rollout.concurrency), 0);
  return perHost * rounds + (rollout.pauseMs ?? 0) * Math.max(0, rollout.waves.length - 1);
}

/**
 * The runbook model (format version 1), exactly the shape that
 * `schemas/runbook.schema.json` accepts. `test/unit/schema-drift.test.ts`
 * fails when the two disagree, so change both together.
 */

/** `90s`, `15m`, `1h30m`, or a number of seconds. */
export type Duration = string | number;

/** A number of hosts, or a percentage of a group (`25%`). */
export type HostShare = number | `${number}%`;

/** A value a runbook may assign to a variable. */
export type VarValue = string | number | boolean;

/** What golive does when a step fails. */
export type FailurePolicy =
  /** Roll back now: the failed step first, then completed steps in reverse. */
  | 'rollback'
  /** Ask the operator (retry / skip / roll back / abort); without a terminal, `abort`. */
  | 'ask'
  /** Stop; the run stays resumable and roll-backable. */
  | 'abort'
  /** Record the failure and go on. */
  | 'continue';

/** How bad a failed smoke test is. */
export type Severity =
  /** Roll back now. */
  | 'critical'
  /** Ask the operator; without a terminal, treated as critical. */
  | 'major'
  /** Record as an issue and go on. */
  | 'minor';

export interface Runbook {
  golive: 1;
  name: string;
  version?: string;
  description?: string;
  change?: string;
  window?: DeploymentWindow;
  /** Role -> the person who holds it, or the people who share it. */
  team?: Record<string, TeamRole>;
  environments?: Record<string, Environment>;
  /** Groups of remote hosts, by group name; `on:` steps and rollouts name a group. */
  targets?: Record<string, Target[]>;
  vars?: Record<string, VarValue>;
  secrets?: Record<string, SecretSource>;
  defaults?: Defaults;
  on_failure?: FailurePolicy;
  checks?: Check[];
  steps: StepEntry[];
  verify?: SmokeTest[];
  rollback?: RollbackSection;
  notify?: Notification[];
}

export interface DeploymentWindow {
  /** ISO 8601 date-time with offset. */
  start: string;
  end: string;
}

export interface TeamMember {
  name: string;
  contact?: string;
  /** The OS user or database role golive records for this person's runs, so reports can name them. */
  user?: string;
}

/** One person, or several who share the role (any of them may approve for it). */
export type TeamRole = TeamMember | TeamMember[];

/**
 * Who must approve a confirmation point (a check, a step, a run in an
 * environment) before the run goes past it: people of these roles, known by
 * their `user` (the identity the journal establishes), not by what anyone types.
 */
export type ApprovalSpec = {
  /** Roles from `team`. */
  approvers?: string[];
  /** Different people who must approve (default 1); one rejection refuses. */
  min_approvals?: number;
  /** May the identity that started the run approve it? Default: false in a protected environment, true elsewhere. */
  self_approval?: boolean;
  /** How long to wait; then the failure policy applies. */
  approval_timeout?: Duration;
};

export interface Environment extends ApprovalSpec {
  description?: string;
  vars?: Record<string, VarValue>;
  /** Protected environments ask for confirmation and enforce the window. */
  protected?: boolean;
  /** Host groups for this environment only: each replaces the top-level group of the same name. */
  targets?: Record<string, Target[]>;
}

/** A remote host commands run on through OpenSSH. */
export interface Target {
  /** Unique within its group; names the host in messages, logs and the journal. */
  name: string;
  /** Host name or address passed to ssh. */
  host: string;
  user?: string;
  port?: number;
}

/** Where a secret's value comes from: exactly one of `env`, `file` or `env_file`. */
export interface SecretSource {
  env?: string;
  /** A path relative to the runbook; templates (`{{ environment }}`, vars, env) choose it per environment. */
  file?: string;
  /** A dotenv file, like `file`; the value is its line named `key` (default: the secret's name). */
  env_file?: string;
  key?: string;
}

export interface Defaults {
  shell?: string;
  timeout?: Duration;
  cwd?: string;
  on_failure?: FailurePolicy;
  retry?: Retry;
}

export interface Retry {
  attempts: number;
  /** The wait before the second try. */
  delay?: Duration;
  /** Each wait is this many times the one before (default 1). */
  backoff?: number;
  /** The longest wait, whatever `backoff` makes it. */
  max_delay?: Duration;
  /** Retry only on these exit codes (a timeout counts as 124); undefined: on any failure. */
  on_exit_codes?: number[];
}

/** A pre-deployment checklist item: a command or a question. */
export interface Check extends ApprovalSpec {
  id: string;
  title?: string;
  owner?: string;
  /** Run only when this condition holds (runbook/condition.ts); otherwise recorded as skipped. */
  when?: string;
  run?: string;
  confirm?: string;
  /** A failing non-blocking check gives CONDITIONAL GO instead of NO-GO. */
  blocking?: boolean;
  timeout?: Duration;
  cwd?: string;
  shell?: string;
}

/** A validation: a command, or a command polled until it passes. */
export type Validation = string | ValidationSpec;

export interface ValidationSpec {
  run: string;
  attempts?: number;
  interval?: Duration;
  timeout?: Duration;
}

/**
 * How to undo a step: a command, or a command with its own limits; the word
 * `none` (NO_ROLLBACK) says the step changes nothing that needs undoing.
 */
export type RollbackAction = string | RollbackSpec;

/** `rollback: none`: the step has nothing to undo (a command literally named `none` is written `rollback: { run: none }`). */
export const NO_ROLLBACK = 'none';

export interface RollbackSpec {
  run: string;
  /** Run only when this condition holds (runbook/condition.ts); otherwise recorded as skipped. */
  when?: string;
  timeout?: Duration;
  validate?: Validation;
  cwd?: string;
  shell?: string;
}

export interface Step extends ApprovalSpec {
  id: string;
  title?: string;
  owner?: string;
  /** Run only when this condition holds (runbook/condition.ts); otherwise recorded as skipped. */
  when?: string;
  /** The command. Exactly one of `run` and `confirm`. */
  run?: string;
  /** A manual step: the question put to the operator. */
  confirm?: string;
  duration?: Duration;
  timeout?: Duration;
  retry?: Retry;
  validate?: Validation;
  rollback?: RollbackAction;
  on_failure?: FailurePolicy;
  cwd?: string;
  shell?: string;
  env?: Record<string, string>;
  /** A group of `targets` to run on, once per host in parallel; `local` (or absent): on this machine. */
  on?: string;
  /** With `on:`, how many hosts run it at the same time (default: all of them). */
  concurrency?: number;
}

/** A group of steps run concurrently; it succeeds when all members do. */
export interface ParallelGroup {
  id: string;
  title?: string;
  parallel: Step[];
}

/** Steps rolled out host by host over a group, in waves. */
export interface RolloutStep {
  id: string;
  title?: string;
  rollout: Rollout;
}

export interface Rollout {
  /** The group of `targets` to roll out to. */
  on: string;
  /**
   * The size of each wave, in order: a count of hosts or a percentage of the group (rounded up),
   * as Ansible's `serial`. A wave never shrinks; a wave larger than the hosts left takes the rest
   * (`100%` last), and the waves together reach every host of the group.
   */
  waves: HostShare[];
  /** Failed hosts the rollout tolerates (a count or a percentage of the group); over it the rollout stops. Default 0. */
  max_failures?: HostShare;
  /** Hosts of one wave that run at the same time; default: the whole wave. */
  concurrency?: number;
  /** A confirmation by a role between waves. */
  sign_off?: SignOff;
  /** Soak time between waves. */
  pause?: Duration;
  /** Run per host, in order. */
  steps: Step[];
}

/** With `approvers`, each wave's sign-off is an approval point `<rollout-id>.wave-<n>`, not the operator's confirmation. */
export interface SignOff extends ApprovalSpec {
  /** The role from `team` that signs off. */
  owner: string;
  /** The question (templates such as `{{ wave.number }}` allowed). */
  confirm: string;
}

export type StepEntry = Step | ParallelGroup | RolloutStep;

/** A post-deployment smoke test. */
export interface SmokeTest {
  id: string;
  title?: string;
  owner?: string;
  /** Run only when this condition holds (runbook/condition.ts); otherwise recorded as skipped. */
  when?: string;
  run: string;
  severity?: Severity;
  timeout?: Duration;
  retry?: Retry;
  cwd?: string;
  shell?: string;
}

export interface RollbackSection {
  /** Commands proving the system was restored after a rollback. */
  verify?: RollbackVerify[];
}

export interface RollbackVerify {
  id?: string;
  title?: string;
  run: string;
  timeout?: Duration;
  cwd?: string;
  shell?: string;
}

export interface Notification {
  webhook: string;
  /** Also send the status template at this interval. */
  every?: Duration;
}

/** True when the entry is a parallel group rather than a single step. */
export function isParallelGroup(entry: StepEntry): entry is ParallelGroup {
  return Array.isArray((entry as ParallelGroup).parallel);
}

/** True when the entry is a rollout. */
export function isRolloutStep(entry: StepEntry): entry is RolloutStep {
  const rollout = (entry as RolloutStep).rollout;
  return typeof rollout === 'object' && rollout !== null;
}

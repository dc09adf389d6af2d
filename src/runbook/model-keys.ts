/**
 * The keys of every runbook model object, as runtime data. Each list is
 * checked by tsc against src/runbook/types.ts (a missing key, an extra key or
 * a key whose optionality or duration type changed fails the build), and
 * test/unit/schema-drift.test.ts checks the schema against these lists, so
 * the model and the schema cannot drift apart silently. The loader can also
 * use them, e.g. to suggest the key a misspelled one was meant to be.
 */
import type {
  Check,
  Defaults,
  DeploymentWindow,
  Duration,
  Environment,
  Notification,
  ParallelGroup,
  Retry,
  RollbackSection,
  RollbackSpec,
  RollbackVerify,
  Rollout,
  RolloutStep,
  Runbook,
  SecretSource,
  SignOff,
  SmokeTest,
  Step,
  Target,
  TeamMember,
  ValidationSpec,
} from './types.js';

/** True when T is exactly `Duration` (string | number), neither wider nor narrower. */
type IsDuration<T> = [T] extends [Duration] ? ([Duration] extends [T] ? true : false) : false;

/**
 * What the schema must say about one key: whether it is required, and
 * whether its value is a duration (which must `$ref` `#/$defs/duration`).
 */
export type KeyRule = 'required' | 'optional' | 'required duration' | 'optional duration';

/** The rule for key K of T, computed from the interface. */
// biome-ignore lint/complexity/noBannedTypes: `{} extends Pick<T, K>` is how a type asks whether key K is optional
type KeyRuleOf<T, K extends keyof T> = `${{} extends Pick<T, K> ? 'optional' : 'required'}${IsDuration<Exclude<T[K], undefined>> extends true
  ? ' duration'
  : ''}`;

/**
 * Every key of T with its rule. Used with `satisfies`, an object literal of
 * this type fails to compile when a key is missing, extra, or has the wrong rule.
 */
export type KeyRules<T> = { [K in keyof T]-?: KeyRuleOf<T, K> };

/** Keys of the runbook document itself (the schema root). */
const runbookKeys = {
  golive: 'required',
  name: 'required',
  version: 'optional',
  description: 'optional',
  change: 'optional',
  window: 'optional',
  team: 'optional',
  environments: 'optional',
  vars: 'optional',
  targets: 'optional',
  secrets: 'optional',
  defaults: 'optional',
  on_failure: 'optional',
  checks: 'optional',
  steps: 'required',
  verify: 'optional',
  rollback: 'optional',
  notify: 'optional',
} as const satisfies KeyRules<Runbook>;

/** Keys of `window`. */
const deploymentWindowKeys = {
  start: 'required',
  end: 'required',
} as const satisfies KeyRules<DeploymentWindow>;

/** Keys of a `team` member. */
const teamMemberKeys = {
  name: 'required',
  contact: 'optional',
  user: 'optional',
} as const satisfies KeyRules<TeamMember>;

/** Keys of an entry of `environments`. */
const environmentKeys = {
  description: 'optional',
  vars: 'optional',
  protected: 'optional',
  targets: 'optional',
  approvers: 'optional',
  min_approvals: 'optional',
  self_approval: 'optional',
  approval_timeout: 'optional duration',
} as const satisfies KeyRules<Environment>;

/** Keys of a host in a group of `targets`. */
const targetKeys = {
  name: 'required',
  host: 'required',
  user: 'optional',
  port: 'optional',
} as const satisfies KeyRules<Target>;

/** Keys of an entry of `secrets` (the schema requires exactly one of `env`, `file` and `env_file`). */
export const secretSourceKeys = {
  env: 'optional',
  file: 'optional',
  env_file: 'optional',
  key: 'optional',
} as const satisfies KeyRules<SecretSource>;

/** Keys of `defaults`. */
const defaultsKeys = {
  shell: 'optional',
  timeout: 'optional duration',
  cwd: 'optional',
  on_failure: 'optional',
  retry: 'optional',
} as const satisfies KeyRules<Defaults>;

/** Keys of a `retry`. */
const retryKeys = {
  attempts: 'required',
  delay: 'optional duration',
  backoff: 'optional',
  max_delay: 'optional duration',
  on_exit_codes: 'optional',
} as const satisfies KeyRules<Retry>;

/** Keys of a pre-deployment check (the schema requires exactly one of `run` and `confirm`). */
const checkKeys = {
  id: 'required',
  title: 'optional',
  owner: 'optional',
  run: 'optional',
  confirm: 'optional',
  blocking: 'optional',
  timeout: 'optional duration',
  cwd: 'optional',
  shell: 'optional',
  when: 'optional',
  approvers: 'optional',
  min_approvals: 'optional',
  self_approval: 'optional',
  approval_timeout: 'optional duration',
} as const satisfies KeyRules<Check>;

/** Keys of a `validate` written as an object. */
const validationSpecKeys = {
  run: 'required',
  attempts: 'optional',
  interval: 'optional duration',
  timeout: 'optional duration',
} as const satisfies KeyRules<ValidationSpec>;

/** Keys of a step's `rollback` written as an object. */
const rollbackSpecKeys = {
  run: 'required',
  timeout: 'optional duration',
  validate: 'optional',
  cwd: 'optional',
  shell: 'optional',
  when: 'optional',
} as const satisfies KeyRules<RollbackSpec>;

/** Keys of a step (the schema requires exactly one of `run` and `confirm`). */
const stepKeys = {
  id: 'required',
  title: 'optional',
  owner: 'optional',
  run: 'optional',
  confirm: 'optional',
  duration: 'optional duration',
  timeout: 'optional duration',
  retry: 'optional',
  validate: 'optional',
  rollback: 'optional',
  on_failure: 'optional',
  cwd: 'optional',
  shell: 'optional',
  env: 'optional',
  when: 'optional',
  on: 'optional',
  concurrency: 'optional',
  approvers: 'optional',
  min_approvals: 'optional',
  self_approval: 'optional',
  approval_timeout: 'optional duration',
} as const satisfies KeyRules<Step>;

/** Keys of a parallel group in `steps`. */
const parallelGroupKeys = {
  id: 'required',
  title: 'optional',
  parallel: 'required',
} as const satisfies KeyRules<ParallelGroup>;

/** Keys of a rollout entry in `steps`. */
const rolloutStepKeys = {
  id: 'required',
  title: 'optional',
  rollout: 'required',
} as const satisfies KeyRules<RolloutStep>;

/** Keys of a step's `rollout`. */
const rolloutKeys = {
  on: 'required',
  waves: 'required',
  max_failures: 'optional',
  concurrency: 'optional',
  sign_off: 'optional',
  pause: 'optional duration',
  steps: 'required',
} as const satisfies KeyRules<Rollout>;

/** Keys of a rollout's `sign_off`. */
const signOffKeys = {
  owner: 'required',
  confirm: 'required',
  approvers: 'optional',
  min_approvals: 'optional',
  self_approval: 'optional',
  approval_timeout: 'optional duration',
} as const satisfies KeyRules<SignOff>;

/** Keys of a smoke test in `verify`. */
const smokeTestKeys = {
  id: 'required',
  title: 'optional',
  owner: 'optional',
  run: 'required',
  severity: 'optional',
  timeout: 'optional duration',
  retry: 'optional',
  cwd: 'optional',
  shell: 'optional',
  when: 'optional',
} as const satisfies KeyRules<SmokeTest>;

/** Keys of the top-level `rollback` section. */
const rollbackSectionKeys = {
  verify: 'optional',
} as const satisfies KeyRules<RollbackSection>;

/** Keys of an entry of `rollback.verify`. */
const rollbackVerifyKeys = {
  id: 'optional',
  title: 'optional',
  run: 'required',
  timeout: 'optional duration',
  cwd: 'optional',
  shell: 'optional',
} as const satisfies KeyRules<RollbackVerify>;

/** Keys of an entry of `notify`. */
const notificationKeys = {
  webhook: 'required',
  every: 'optional duration',
} as const satisfies KeyRules<Notification>;

/**
 * The rules of every model object, by the name of its definition in the
 * schema's `$defs` (`runbook` is the schema root, which has no `$defs` entry).
 */
const modelKeyRules = {
  runbook: runbookKeys,
  deploymentWindow: deploymentWindowKeys,
  teamMember: teamMemberKeys,
  environment: environmentKeys,
  target: targetKeys,
  secretSource: secretSourceKeys,
  defaults: defaultsKeys,
  retry: retryKeys,
  check: checkKeys,
  validationSpec: validationSpecKeys,
  rollbackSpec: rollbackSpecKeys,
  step: stepKeys,
  parallelGroup: parallelGroupKeys,
  rolloutStep: rolloutStepKeys,
  rollout: rolloutKeys,
  signOff: signOffKeys,
  smokeTest: smokeTestKeys,
  rollbackSection: rollbackSectionKeys,
  rollbackVerify: rollbackVerifyKeys,
  notification: notificationKeys,
} as const satisfies Record<string, Record<string, KeyRule>>;

/** Name of a model object: its `$defs` name in the schema, or `runbook` for the root. */
export type ModelName = keyof typeof modelKeyRules;

/** Keys of the model objects for which `pick` holds, as plain lists. */
function keysWhere(pick: (rule: KeyRule) => boolean): Record<ModelName, string[]> {
  const entries = Object.entries(modelKeyRules).map(([name, rules]) => [
    name,
    Object.entries(rules as Record<string, KeyRule>)
      .filter(([, rule]) => pick(rule))
      .map(([key]) => key),
  ]);
  return Object.fromEntries(entries) as Record<ModelName, string[]>;
}

/** Every key of every model object, by model name. */
export const modelKeys: Record<ModelName, string[]> = keysWhere(() => true);

/** The keys each model object must have (its schema `required` list), by model name. */
export const modelRequiredKeys: Record<ModelName, string[]> = keysWhere((rule) => rule.startsWith('required'));

/** The duration-valued keys of each model object, by model name. */
export const modelDurationKeys: Record<ModelName, string[]> = keysWhere((rule) => rule.endsWith('duration'));

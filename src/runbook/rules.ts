/**
 * Semantic rules: what the schema cannot express. Each rule is a small named
 * function that reports every problem it finds; all rules always run, so the
 * user sees every problem in one pass.
 */

import { advisoryRules } from './advice-rules.js';
import { approversAreKnownPeople } from './approval-rules.js';
import { conditionsParse } from './condition-rules.js';
import { Codes, type Diagnostic, type DiagnosticCode, type Severity } from './diagnostics.js';
import { parseDuration } from './duration.js';
import { durationsFitTimers, idsFitFileNames, secretFilesAreFiles, valuesCanBeSpawned } from './limit-rules.js';
import type { DataPath, PositionIndex } from './positions.js';
import { didYouMean } from './suggest.js';
import { templatesResolve } from './template-rules.js';

export { templatesResolve };

import { rolloutsReachEveryHost, targetGroupsKnown, targetHostsUnique } from './target-rules.js';
import { isParallelGroup, isRolloutStep, type Runbook, type Step } from './types.js';
import { secretPathsComposeFromKnownNames, varsComposeFromKnownNames, varsHaveNoCycles } from './var-rules.js';
import { numbersKeepTheirText } from './yaml-rules.js';

/** What a rule sees and how it reports. */
export interface RuleContext {
  runbook: Runbook;
  positions: PositionIndex;
  /** The environment chosen with `--env`, if any: templates are checked against it alone. */
  environment?: string;
  /** Variables given with `--var` (they satisfy references too). */
  extraVars: string[];
  /** The runbook's directory when its secret `file:` sources should be looked at (a file on disk, not a stored snapshot). */
  secretFilesDir?: string;
  /** Also run the advisory rules (`golive validate`): advice for the author, not something a run should repeat. */
  advice?: boolean;
  report(problem: {
    path: DataPath;
    code: DiagnosticCode;
    message: string;
    hint?: string;
    severity?: Severity;
    at?: 'value' | 'key' | { needle: string; occurrence?: number } | { offset: number };
  }): void;
}

export type Rule = (ctx: RuleContext) => void;

/** Every rule, in the order they are documented. */
const rules: Rule[] = [
  uniqueIds,
  stepsPresent,
  knownEnvironment,
  ownersInTeam,
  windowIsOrdered,
  timeoutsCoverDurations,
  templatesResolve,
  noPromptsInParallel,
  durationsFitTimers,
  idsFitFileNames,
  valuesCanBeSpawned,
  secretFilesAreFiles,
  numbersKeepTheirText,
  varsComposeFromKnownNames,
  varsHaveNoCycles,
  secretPathsComposeFromKnownNames,
  conditionsParse,
  targetGroupsKnown,
  targetHostsUnique,
  rolloutsReachEveryHost,
  approversAreKnownPeople,
];

/** Run all rules and collect their diagnostics. */
export function checkRules(
  runbook: Runbook,
  positions: PositionIndex,
  file: string,
  options: { environment?: string; extraVars?: string[]; secretFilesDir?: string; advice?: boolean } = {},
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const ctx: RuleContext = {
    runbook,
    positions,
    environment: options.environment,
    extraVars: options.extraVars ?? [],
    secretFilesDir: options.secretFilesDir,
    advice: options.advice,
    report({ path, code, message, hint, severity = 'error', at = 'value' }) {
      const where =
        at === 'key'
          ? positions.keyOf(path)
          : at === 'value'
            ? positions.valueAt(path)
            : 'offset' in at
              ? positions.offsetIn(path, at.offset)
              : positions.within(path, at.needle, at.occurrence);
      const place = positions.placeOf(path);
      found.push({ file: place.file ?? file, line: where.line, col: where.col, severity, code, message: message + (place.note ?? ''), hint });
    },
  };
  for (const rule of rules) rule(ctx);
  if (options.advice) for (const rule of advisoryRules) rule(ctx);
  return found;
}

/** Ids share one namespace across checks, steps, group members and smoke tests: they name log files and outputs. */
export function uniqueIds(ctx: RuleContext): void {
  const seen = new Map<string, string>();
  const claim = (id: string | undefined, path: DataPath, where: string) => {
    if (id === undefined) return;
    const first = seen.get(id);
    if (first)
      ctx.report({
        path,
        code: Codes.DuplicateId,
        message: `duplicate id \`${id}\` (already used by ${first})`,
        hint: 'ids must be unique across checks, steps and verify',
      });
    else seen.set(id, where);
  };
  ctx.runbook.checks?.forEach((check, i) => {
    claim(check.id, ['checks', i, 'id'], `checks[${i}]`);
  });
  ctx.runbook.steps.forEach((entry, i) => {
    claim(entry.id, ['steps', i, 'id'], `steps[${i}]`);
  });
  forEachStep(ctx.runbook, (step, path) => {
    if (path.length > 2)
      claim(
        step.id,
        [...path, 'id'],
        path.slice(1).reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${key}`), 'steps'),
      );
  });
  ctx.runbook.verify?.forEach((test, i) => {
    claim(test.id, ['verify', i, 'id'], `verify[${i}]`);
  });
  ctx.runbook.rollback?.verify?.forEach((test, i) => {
    claim(test.id, ['rollback', 'verify', i, 'id'], `rollback.verify[${i}]`);
  });
}

/** A runbook with no steps deploys nothing: almost certainly a mistake. */
function stepsPresent(ctx: RuleContext): void {
  if (ctx.runbook.steps.length === 0)
    ctx.report({ path: ['steps'], code: Codes.NoSteps, message: 'the runbook has no steps', hint: 'add at least one step under `steps:`' });
}

/**
 * `--env` must name an environment the runbook defines, by its own key (so
 * `constructor` or `__proto__` are not environments), and cannot be empty:
 * an environment chosen by accident skips its vars and its protection.
 */
export function knownEnvironment(ctx: RuleContext): void {
  const chosen = ctx.environment;
  if (chosen === undefined) return;
  const environments = ctx.runbook.environments ?? {};
  const names = Object.keys(environments);
  const path: DataPath = ctx.runbook.environments ? ['environments'] : ['name'];
  if (chosen === '') {
    ctx.report({
      path,
      at: 'key',
      code: Codes.UnknownEnvironment,
      message: 'the --env value is empty',
      hint: names.length ? `name one of the environments, e.g. --env ${names[0]}` : 'this runbook defines no environments: leave out --env',
    });
  } else if (names.length === 0) {
    ctx.report({
      path,
      at: 'key',
      code: Codes.UnknownEnvironment,
      message: `this runbook defines no environments, so --env ${chosen} cannot be used`,
      hint: `leave out --env, or define it under \`environments:\``,
    });
  } else if (!Object.hasOwn(environments, chosen)) {
    ctx.report({
      path,
      at: 'key',
      code: Codes.UnknownEnvironment,
      message: `environment \`${chosen}\` is not defined (defined: ${names.join(', ')})`,
      hint: didYouMean(chosen, names) ?? `use --env ${names[0]}`,
    });
  }
}

/** An owner must be a role of the team, so the plan can say who does what. */
export function ownersInTeam(ctx: RuleContext): void {
  const roles = Object.keys(ctx.runbook.team ?? {});
  const check = (owner: string | undefined, path: DataPath) => {
    if (owner === undefined || roles.includes(owner)) return;
    ctx.report({
      path,
      code: Codes.UnknownOwner,
      message: roles.length ? `owner \`${owner}\` is not a role in \`team\`` : `owner \`${owner}\` is named but the runbook has no \`team\``,
      hint: didYouMean(owner, roles) ?? (roles.length ? `roles: ${roles.join(', ')}` : 'add `team:` with this role'),
    });
  };
  ctx.runbook.checks?.forEach((c, i) => {
    check(c.owner, ['checks', i, 'owner']);
  });
  forEachStep(ctx.runbook, (step, path) => check(step.owner, [...path, 'owner']));
  ctx.runbook.steps.forEach((entry, i) => {
    if (isRolloutStep(entry)) check(entry.rollout.sign_off?.owner, ['steps', i, 'rollout', 'sign_off', 'owner']);
  });
  ctx.runbook.verify?.forEach((v, i) => {
    check(v.owner, ['verify', i, 'owner']);
  });
}

/** The deployment window must be two real instants, start before end. */
export function windowIsOrdered(ctx: RuleContext): void {
  const window = ctx.runbook.window;
  if (!window) return;
  const start = parseDateTime(window.start);
  const end = parseDateTime(window.end);
  if (Number.isNaN(start))
    ctx.report({
      path: ['window', 'start'],
      code: Codes.BadWindow,
      message: `window.start \`${window.start}\` is not a date-time`,
      hint: 'write e.g. 2026-12-01T09:00:00+01:00',
    });
  if (Number.isNaN(end))
    ctx.report({
      path: ['window', 'end'],
      code: Codes.BadWindow,
      message: `window.end \`${window.end}\` is not a date-time`,
      hint: 'write e.g. 2026-12-01T12:00:00+01:00',
    });
  if (!Number.isNaN(start) && !Number.isNaN(end) && start >= end) {
    ctx.report({ path: ['window', 'end'], code: Codes.BadWindow, message: 'window.end must be after window.start' });
  }
}

/**
 * Milliseconds of an ISO 8601 date-time, NaN when it names no real instant.
 * `Date.parse` rolls an impossible day over (2026-02-30 becomes March 2), so
 * the day is checked against the month first.
 */
function parseDateTime(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T/.exec(String(text));
  if (match) {
    const [year, month, day] = match.slice(1).map(Number);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return Number.NaN;
  }
  return Date.parse(text);
}

/** A timeout below the expected duration will probably kill a healthy step. */
export function timeoutsCoverDurations(ctx: RuleContext): void {
  const defaultTimeout = parseDuration(ctx.runbook.defaults?.timeout);
  forEachStep(ctx.runbook, (step, path) => {
    const expected = parseDuration(step.duration);
    const timeout = parseDuration(step.timeout) ?? defaultTimeout;
    if (expected === undefined || timeout === undefined || timeout >= expected) return;
    const own = step.timeout !== undefined;
    ctx.report({
      path: own ? [...path, 'timeout'] : [...path, 'duration'],
      severity: 'warning',
      code: Codes.TimeoutBelowDuration,
      message: `${own ? 'timeout' : 'the default timeout'} (${String(step.timeout ?? ctx.runbook.defaults?.timeout)}) is shorter than the expected duration (${String(step.duration)})`,
      hint: 'raise the timeout, or correct the expected duration',
    });
  });
}

/** Confirmations inside a parallel group would prompt concurrently: one question at a time. */
export function noPromptsInParallel(ctx: RuleContext): void {
  ctx.runbook.steps.forEach((entry, i) => {
    if (!isParallelGroup(entry)) return;
    entry.parallel.forEach((member, j) => {
      if (member.confirm !== undefined)
        ctx.report({
          path: ['steps', i, 'parallel', j, 'confirm'],
          at: 'key',
          code: Codes.Schema,
          message: 'a `confirm:` step cannot run inside a parallel group',
          hint: 'move it before or after the group',
        });
    });
  });
}

/** Visit every executable step (parallel members and rollout steps included) with its data path. */
export function forEachStep(runbook: Runbook, visit: (step: Step, path: DataPath) => void): void {
  runbook.steps.forEach((entry, i) => {
    if (isParallelGroup(entry))
      entry.parallel.forEach((member, j) => {
        visit(member, ['steps', i, 'parallel', j]);
      });
    else if (isRolloutStep(entry))
      (entry.rollout.steps ?? []).forEach((step, j) => {
        visit(step, ['steps', i, 'rollout', 'steps', j]);
      });
    else visit(entry, ['steps', i]);
  });
}

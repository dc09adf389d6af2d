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
import { scanTemplate } from './templates.js';
import { isParallelGroup, type Runbook, type Step } from './types.js';
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
    if (isParallelGroup(entry))
      entry.parallel.forEach((member, j) => {
        claim(member.id, ['steps', i, 'parallel', j, 'id'], `steps[${i}].parallel[${j}]`);
      });
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

/** Every `{{ … }}` must name something that will exist when the command runs. */
export function templatesResolve(ctx: RuleContext): void {
  const { runbook } = ctx;
  const secrets = Object.keys(runbook.secrets ?? {});
  const environments = runbook.environments ?? {};
  const envNames = ctx.environment && Object.hasOwn(environments, ctx.environment) ? [ctx.environment] : Object.keys(environments);
  const topVars = new Set([...Object.keys(runbook.vars ?? {}), ...ctx.extraVars]);
  const allStepIds = new Set<string>();
  forEachStep(runbook, (step) => allStepIds.add(step.id));

  const checkString = (text: unknown, path: DataPath, visibleOutputs: StepIds, where: string) => {
    if (typeof text !== 'string' || !text.includes('{{')) return;
    const { parts, errors } = scanTemplate(text);
    for (const error of errors)
      ctx.report({ path, at: { needle: '{{', occurrence: occurrences(text.slice(0, error.offset), '{{') }, code: Codes.BadTemplate, message: error.message });
    const counts = new Map<string, number>();
    for (const part of parts) {
      const occurrence = counts.get(part.text) ?? 0;
      counts.set(part.text, occurrence + 1);
      const report = (code: DiagnosticCode, message: string, hint?: string) => ctx.report({ path, at: { needle: part.text, occurrence }, code, message, hint });
      const ref = part.ref;
      if (!ref) {
        report(
          Codes.BadTemplate,
          `\`${part.text}\` is not a template golive understands`,
          'use vars.X, env.X, secrets.X, steps.ID.outputs.NAME, run.id or environment',
        );
      } else if (ref.kind === 'var') {
        if (topVars.has(ref.name)) continue;
        const missingIn = envNames.filter((env) => !Object.hasOwn(environments[env]?.vars ?? {}, ref.name));
        if (envNames.length > 0 && missingIn.length === 0) continue;
        const known = new Set([...topVars, ...envNames.flatMap((env) => Object.keys(environments[env]?.vars ?? {}))]);
        if (envNames.length > 0 && missingIn.length < envNames.length) {
          report(
            Codes.UnknownVar,
            `vars.${ref.name} is not defined for environment ${missingIn.join(', ')}`,
            'define it under `vars:` or in every environment',
          );
        } else {
          report(Codes.UnknownVar, `unknown variable vars.${ref.name}`, didYouMean(ref.name, known) ?? 'declare it under `vars:` (a --var can then set it)');
        }
      } else if (ref.kind === 'secret') {
        if (!secrets.includes(ref.name))
          report(Codes.UnknownSecret, `unknown secret secrets.${ref.name}`, didYouMean(ref.name, secrets) ?? 'declare it under `secrets:`');
      } else if (ref.kind === 'output') {
        if (visibleOutputs.has(ref.step)) continue;
        if (!allStepIds.has(ref.step)) report(Codes.BadStepReference, `unknown step \`${ref.step}\` in ${part.text}`, didYouMean(ref.step, allStepIds));
        else
          report(
            Codes.BadStepReference,
            `${where} cannot use outputs of step \`${ref.step}\`: it has not run yet at that point`,
            'only steps that run earlier (or the step itself, in its validate and rollback) provide outputs',
          );
      }
    }
  };

  const none = new Set<string>();
  runbook.checks?.forEach((c, i) => {
    for (const key of ['run', 'confirm', 'cwd', 'when'] as const) checkString(c[key], ['checks', i, key], none, `check \`${c.id}\``);
  });
  const earlier = new Set<string>();
  runbook.steps.forEach((entry, i) => {
    const members = isParallelGroup(entry) ? entry.parallel.map((m, j) => [m, ['steps', i, 'parallel', j]] as const) : [[entry, ['steps', i]] as const];
    for (const [step, path] of members) checkStep(step, [...path], earlier, checkString);
    for (const [step] of members) earlier.add(step.id);
  });
  runbook.verify?.forEach((v, i) => {
    for (const key of ['run', 'cwd', 'when'] as const) checkString(v[key], ['verify', i, key], allStepIds, `smoke test \`${v.id}\``);
  });
  runbook.rollback?.verify?.forEach((v, i) => {
    for (const key of ['run', 'cwd'] as const) checkString(v[key], ['rollback', 'verify', i, key], allStepIds, 'rollback.verify');
  });
  runbook.notify?.forEach((n, i) => {
    checkString(n.webhook, ['notify', i, 'webhook'], none, 'notify');
  });
}

/** How often `needle` occurs in `text`, counted the way `PositionIndex.within` searches. */
function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let index = text.indexOf(needle); index >= 0; index = text.indexOf(needle, index + 1)) count++;
  return count;
}

/** The steps whose outputs a command may use: a membership test, so a step's own view costs nothing to build. */
type StepIds = { has(id: string): boolean };

type StringChecker = (text: unknown, path: DataPath, visible: StepIds, where: string) => void;

function checkStep(step: Step, path: DataPath, earlier: Set<string>, checkString: StringChecker): void {
  const where = `step \`${step.id}\``;
  // Not a copy of `earlier`: copying it for every step made validation quadratic in the number of steps.
  const own: StepIds = { has: (id) => id === step.id || earlier.has(id) };
  for (const key of ['run', 'confirm', 'cwd', 'when'] as const) checkString(step[key], [...path, key], earlier, where);
  for (const [name, value] of Object.entries(step.env ?? {})) checkString(value, [...path, 'env', name], earlier, where);
  const validate = step.validate;
  if (typeof validate === 'string') checkString(validate, [...path, 'validate'], own, where);
  else if (validate) checkString(validate.run, [...path, 'validate', 'run'], own, where);
  const rollback = step.rollback;
  if (typeof rollback === 'string') checkString(rollback, [...path, 'rollback'], own, where);
  else if (rollback) {
    checkString(rollback.run, [...path, 'rollback', 'run'], own, where);
    checkString(rollback.cwd, [...path, 'rollback', 'cwd'], own, where);
    checkString(rollback.when, [...path, 'rollback', 'when'], own, where);
    const rv = rollback.validate;
    if (typeof rv === 'string') checkString(rv, [...path, 'rollback', 'validate'], own, where);
    else if (rv) checkString(rv.run, [...path, 'rollback', 'validate', 'run'], own, where);
  }
}

/** Visit every executable step (parallel members included) with its data path. */
export function forEachStep(runbook: Runbook, visit: (step: Step, path: DataPath) => void): void {
  runbook.steps.forEach((entry, i) => {
    if (isParallelGroup(entry))
      entry.parallel.forEach((member, j) => {
        visit(member, ['steps', i, 'parallel', j]);
      });
    else visit(entry, ['steps', i]);
  });
}

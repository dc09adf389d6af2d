/**
 * The template rule: every `{{ … }}` names something that has a value where
 * it is used (a variable, a secret, an output of a step that ran earlier on
 * the same host, the host and wave of a rollout).
 */
import { Codes, type DiagnosticCode } from './diagnostics.js';
import type { DataPath } from './positions.js';
import { forEachStep, type RuleContext } from './rules.js';
import { didYouMean } from './suggest.js';
import { scanTemplate } from './templates.js';
import { isParallelGroup, isRolloutStep, type Step } from './types.js';

/** Every `{{ … }}` must name something that will exist when the command runs. */
export function templatesResolve(ctx: RuleContext): void {
  const { runbook } = ctx;
  const secrets = Object.keys(runbook.secrets ?? {});
  const environments = runbook.environments ?? {};
  const envNames = ctx.environment && Object.hasOwn(environments, ctx.environment) ? [ctx.environment] : Object.keys(environments);
  const topVars = new Set([...Object.keys(runbook.vars ?? {}), ...ctx.extraVars]);
  const allStepIds = new Set<string>();
  const hostedStepIds = new Set<string>();
  forEachStep(runbook, (step, path) => {
    allStepIds.add(step.id);
    if (path.length > 2 ? path[2] === 'rollout' : step.on !== undefined && step.on !== 'local') hostedStepIds.add(step.id);
  });
  const localStepIds: StepIds = { has: (id) => allStepIds.has(id) && !hostedStepIds.has(id) };

  const checkString = (text: unknown, path: DataPath, visibleOutputs: StepIds, where: string, scope: TemplateScope = {}) => {
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
          'use vars.X, env.X, secrets.X, steps.ID.outputs.NAME, run.id, environment, target.name, target.host or wave.number',
        );
      } else if (ref.kind === 'target') {
        if (!scope.target)
          report(
            Codes.BadTemplate,
            `${part.text} has no value in ${where}`,
            'target.name and target.host exist only in steps with `on: <group>` and in the steps of a rollout',
          );
      } else if (ref.kind === 'wave') {
        if (!scope.wave)
          report(Codes.BadTemplate, `${part.text} has no value in ${where}`, 'wave.number exists only in the steps and the sign_off of a rollout');
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
        else if (hostedStepIds.has(ref.step))
          report(
            Codes.BadStepReference,
            `${where} cannot use outputs of step \`${ref.step}\`: it runs on remote hosts, and each host has its own`,
            'outputs of a step on hosts are read on the same host only: by its own validate and rollback, or by later steps of the same rollout',
          );
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
    if (isRolloutStep(entry)) {
      const withinHost = new Set<string>();
      const visible: StepIds = { has: (id) => earlier.has(id) || withinHost.has(id) };
      (entry.rollout.steps ?? []).forEach((step, j) => {
        checkStep(step, ['steps', i, 'rollout', 'steps', j], visible, checkString, { target: true, wave: true });
        withinHost.add(step.id);
      });
      checkString(entry.rollout.sign_off?.confirm, ['steps', i, 'rollout', 'sign_off', 'confirm'], earlier, `the sign-off of rollout \`${entry.id}\``, {
        wave: true,
      });
      return;
    }
    const members = isParallelGroup(entry) ? entry.parallel.map((m, j) => [m, ['steps', i, 'parallel', j]] as const) : [[entry, ['steps', i]] as const];
    for (const [step, path] of members) checkStep(step, [...path], earlier, checkString, { target: step.on !== undefined && step.on !== 'local' });
    for (const [step] of members) if (step.on === undefined || step.on === 'local') earlier.add(step.id);
  });
  runbook.verify?.forEach((v, i) => {
    for (const key of ['run', 'cwd', 'when'] as const) checkString(v[key], ['verify', i, key], localStepIds, `smoke test \`${v.id}\``);
  });
  runbook.rollback?.verify?.forEach((v, i) => {
    for (const key of ['run', 'cwd'] as const) checkString(v[key], ['rollback', 'verify', i, key], localStepIds, 'rollback.verify');
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

/** Which of the host and wave templates have a value where a string is used. */
type TemplateScope = { target?: boolean; wave?: boolean };

type StringChecker = (text: unknown, path: DataPath, visible: StepIds, where: string, scope?: TemplateScope) => void;

function checkStep(step: Step, path: DataPath, earlier: StepIds, outerCheck: StringChecker, scope: TemplateScope): void {
  const where = `step \`${step.id}\``;
  const checkString: StringChecker = (text, at, visible, label) => outerCheck(text, at, visible, label, scope);
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

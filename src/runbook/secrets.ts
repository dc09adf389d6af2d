/**
 * Secret values and environment references, resolved once before anything
 * runs: a missing secret or an unset `{{ env.X }}` is a clear error up front,
 * not a half-finished deployment.
 */
import { resolve } from 'node:path';
import { dotenvValue } from './dotenv.js';
import { envValueProblem } from './limits.js';
import { type Plan, planSteps, stageSteps } from './plan.js';
import { readSecretFile } from './secret-file.js';
import { ownValue, renderTemplate, scanTemplate, type TemplateContext } from './templates.js';

export interface ResolvedSecrets {
  values: Record<string, string>;
  /** One line per secret that could not be read. */
  problems: string[];
}

/** Read every declared secret from its source (`env:`, or `file:` / `env_file:` relative to the runbook, chosen per environment by their templates). */
export function resolveSecrets(plan: Plan, env: NodeJS.ProcessEnv = process.env): ResolvedSecrets {
  const values: Record<string, string> = Object.create(null); // secret names are the user's
  const problems: string[] = [];
  for (const [name, source] of Object.entries(plan.runbook.secrets ?? {})) {
    if (source.env !== undefined) {
      const value = ownValue(env, source.env);
      if (value === undefined || value === '') problems.push(`secret ${name}: environment variable ${source.env} is not set`);
      else values[name] = value;
    } else if (source.file !== undefined) {
      const path = resolve(plan.source.dir, sourcePath(source.file, plan, env));
      const read = readSecretFile(path);
      if ('problem' in read) problems.push(`secret ${name}: file ${path} ${read.problem}`);
      else if (read.value === '') problems.push(`secret ${name}: file ${path} is empty`);
      else values[name] = read.value;
    } else if (source.env_file !== undefined) {
      const path = resolve(plan.source.dir, sourcePath(source.env_file, plan, env));
      const key = source.key ?? name;
      const read = readSecretFile(path);
      const value = 'problem' in read ? undefined : dotenvValue(read.value, key);
      if ('problem' in read) problems.push(`secret ${name}: env_file ${path} ${read.problem}`);
      else if (value === undefined) problems.push(`secret ${name}: env_file ${path} has no line ${key}=…`);
      else if (value === '') problems.push(`secret ${name}: ${key} in env_file ${path} is empty`);
      else values[name] = value;
    }
  }
  for (const [name, value] of Object.entries(values)) {
    const problem = envValueProblem(name, value);
    if (problem) problems.push(`secret ${name}: the value ${problem}`);
  }
  problems.push(...renderedEnvProblems(plan, values, env));
  return { values, problems };
}

/** A secret's `file:` or `env_file:` for this plan's environment (`secrets/{{ environment }}.txt`). */
function sourcePath(template: string, plan: Plan, env: NodeJS.ProcessEnv): string {
  return renderTemplate(template, { vars: plan.vars, env, secrets: {}, outputs: {}, runId: '', environment: plan.environment ?? '' });
}

/**
 * Step `env:` values that grow past what a process can receive once
 * `{{ env.X }}` and secrets are filled in: found before anything runs, not
 * when that step is spawned. (Outputs of earlier steps are not known yet;
 * the runner refuses those at spawn time.)
 */
function renderedEnvProblems(plan: Plan, secrets: Record<string, string>, env: NodeJS.ProcessEnv): string[] {
  const context: TemplateContext = { vars: plan.vars, env, secrets, outputs: {}, runId: '', environment: plan.environment ?? '' };
  const problems: string[] = [];
  for (const step of planSteps(plan)) {
    for (const [name, template] of Object.entries(step.env)) {
      if (!template.includes('{{')) continue; // literal values were checked when the runbook was loaded
      const problem = envValueProblem(
        name,
        renderTemplate(template, context, () => ''),
      );
      if (problem) problems.push(`step ${step.id} env ${name}: once rendered, the value ${problem}`);
    }
  }
  return problems;
}

/** Names of `{{ env.X }}` references that are unset in `env`. */
export function missingEnvReferences(plan: Plan, env: NodeJS.ProcessEnv = process.env): string[] {
  const missing = new Set<string>();
  for (const text of templateStrings(plan)) {
    for (const part of scanTemplate(text).parts) {
      if (part.ref?.kind === 'env' && ownValue(env, part.ref.name) === undefined) missing.add(part.ref.name);
    }
  }
  return [...missing];
}

/** Every string of the plan that may hold templates. */
function templateStrings(plan: Plan): string[] {
  const out: string[] = [];
  const add = (c?: { run: string; cwd: string }) => c && out.push(c.run, c.cwd);
  for (const check of plan.checks) {
    add(check.command);
    if (check.confirm) out.push(check.confirm);
    out.push(check.when ?? '');
  }
  for (const stage of plan.stages) {
    if (stage.kind === 'rollout' && stage.rollout.signOff) out.push(stage.rollout.signOff.confirm);
    for (const step of stageSteps(stage)) {
      add(step.command);
      add(step.validate);
      add(step.rollback);
      add(step.rollback?.validate);
      if (step.confirm) out.push(step.confirm);
      out.push(step.when ?? '', step.rollback?.when ?? '');
      out.push(...Object.values(step.env));
    }
  }
  plan.verify.forEach((v) => {
    add(v.command);
    out.push(v.when ?? '');
  });
  plan.rollbackVerify.forEach(add);
  plan.notify.forEach((n) => {
    out.push(n.webhook);
  });
  out.push(...Object.values(plan.varTemplates));
  for (const source of Object.values(plan.runbook.secrets ?? {})) out.push(source.file ?? '', source.env_file ?? '');
  return out;
}

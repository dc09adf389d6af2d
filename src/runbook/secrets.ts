/**
 * Secret values and environment references, resolved once before anything
 * runs: a missing secret or an unset `{{ env.X }}` is a clear error up front,
 * not a half-finished deployment.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plan } from './plan.js';
import { scanTemplate } from './templates.js';

export interface ResolvedSecrets {
  values: Record<string, string>;
  /** One line per secret that could not be read. */
  problems: string[];
}

/** Read every declared secret from its source (`env:` or `file:`, relative to the runbook). */
export function resolveSecrets(plan: Plan, env: NodeJS.ProcessEnv = process.env): ResolvedSecrets {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, source] of Object.entries(plan.runbook.secrets ?? {})) {
    if (source.env !== undefined) {
      const value = env[source.env];
      if (value === undefined || value === '') problems.push(`secret ${name}: environment variable ${source.env} is not set`);
      else values[name] = value;
    } else if (source.file !== undefined) {
      const path = resolve(plan.source.dir, source.file);
      try {
        // A trailing newline is an editor artefact, never part of a password.
        const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
        if (value === '') problems.push(`secret ${name}: file ${path} is empty`);
        else values[name] = value;
      } catch (error) {
        problems.push(`secret ${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
  }
  return { values, problems };
}

/** Names of `{{ env.X }}` references that are unset in `env`. */
export function missingEnvReferences(plan: Plan, env: NodeJS.ProcessEnv = process.env): string[] {
  const missing = new Set<string>();
  for (const text of templateStrings(plan)) {
    for (const part of scanTemplate(text).parts) {
      if (part.ref?.kind === 'env' && env[part.ref.name] === undefined) missing.add(part.ref.name);
    }
  }
  return [...missing];
}

/** Every string of the plan that may hold templates. */
function templateStrings(plan: Plan): string[] {
  const out: string[] = [];
  const add = (c?: { run: string; cwd: string }) => c && out.push(c.run, c.cwd);
  for (const check of plan.checks) { add(check.command); if (check.confirm) out.push(check.confirm); }
  for (const stage of plan.stages) {
    for (const step of stage.kind === 'step' ? [stage.step] : stage.members) {
      add(step.command); add(step.validate); add(step.rollback); add(step.rollback?.validate);
      if (step.confirm) out.push(step.confirm);
      out.push(...Object.values(step.env));
    }
  }
  plan.verify.forEach((v) => add(v.command));
  plan.rollbackVerify.forEach(add);
  plan.notify.forEach((n) => out.push(n.webhook));
  return out;
}

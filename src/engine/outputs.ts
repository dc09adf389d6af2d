/**
 * Step outputs as later commands see them, and the outputs golive refused to
 * keep because they contain a secret.
 *
 * The rule: an output whose value (or name) contains a secret is not stored
 * and not passed on; the operator gets a warning naming it (never its
 * value), and a command that refers to it fails before it starts. Masking it
 * to `***` instead would hand later steps (and a rollback hours later) a
 * value the step never wrote. The refusal is journaled with the step's end
 * (`step.finished.refusedOutputs`), so resume and rollback see the same.
 */
import { scanTemplate } from '../runbook/templates.js';

/** Outputs kept per step id, then per output name. */
export type OutputValues = Record<string, Record<string, string>>;
/** Names of refused outputs per step id. */
export type RefusedOutputs = Record<string, string[]>;

/**
 * Merge what one execution of `stepId` wrote: kept outputs override earlier
 * values and lift an earlier refusal of the same name; a refused output
 * removes any earlier value, so no stale value from an earlier attempt is
 * passed on in its place.
 */
export function recordStepOutputs(
  values: OutputValues,
  refused: RefusedOutputs,
  stepId: string,
  written: Record<string, string>,
  refusedNow: readonly string[] = [],
): void {
  if (Object.keys(written).length === 0 && refusedNow.length === 0) return;
  const kept: Record<string, string> = Object.assign(Object.create(null), values[stepId], written); // names are the user's
  const stillRefused = (refused[stepId] ?? []).filter((name) => !Object.hasOwn(written, name));
  for (const name of refusedNow) {
    delete kept[name];
    if (!stillRefused.includes(name)) stillRefused.push(name);
  }
  if (Object.keys(kept).length > 0) values[stepId] = kept;
  else delete values[stepId];
  if (stillRefused.length > 0) refused[stepId] = stillRefused;
  else delete refused[stepId];
}

/** The `{{ steps.<id>.outputs.<name> }}` references in `templates` that name a refused output. */
export function refusedReferences(templates: ReadonlyArray<string | undefined>, refused: RefusedOutputs): string[] {
  const found: string[] = [];
  for (const template of templates) {
    if (template === undefined || !template.includes('{{')) continue;
    for (const part of scanTemplate(template).parts) {
      if (part.ref?.kind !== 'output' || !refused[part.ref.step]?.includes(part.ref.name)) continue;
      const reference = `{{ steps.${part.ref.step}.outputs.${part.ref.name} }}`;
      if (!found.includes(reference)) found.push(reference);
    }
  }
  return found;
}

/** The warning shown and journaled when an output is refused (it names the output, never the value). */
export function refusedOutputWarning(stepId: string, name: string): string {
  return (
    `output "${name}" of step ${stepId} was not kept because it contains a secret; ` +
    `a command that uses {{ steps.${stepId}.outputs.${name} }} will fail before it starts ` +
    '(let later steps read the secret from the environment instead)'
  );
}

/** Why a command that refers to refused outputs was not started. */
export function refusedReferenceFailure(references: readonly string[]): string {
  const list = references.join(', ');
  return (
    `refers to ${list}, which golive did not keep because ${references.length === 1 ? 'it contains' : 'they contain'} a secret; ` +
    'read the secret from the environment (every secret is exported under its own name) instead of passing it through an output'
  );
}

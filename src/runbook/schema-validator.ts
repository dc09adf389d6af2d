/**
 * The runbook schema check, through the validator that
 * `scripts/build-validator.mjs` precompiles from `schemas/runbook.schema.json`.
 * ajv itself is never loaded at run time: importing and compiling it would
 * cost more than a hundred milliseconds on every `golive` start.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One schema violation, as ajv reports it. */
export interface SchemaError {
  /** JSON Pointer to the offending value (`/steps/0/timeout`); `` is the document. */
  instancePath: string;
  /** The schema keyword that failed: `additionalProperties`, `required`, `type`, `pattern`, `false schema`, … */
  keyword: string;
  /** Keyword details, e.g. `{ additionalProperty: 'timout' }` or `{ missingProperty: 'run' }`. */
  params: Record<string, unknown>;
  /** ajv's English message, a fallback for keywords the loader does not word itself. */
  message?: string;
  /** JSON Pointer into the schema, relative to the definition that failed (ajv restarts it at each `$ref`). */
  schemaPath: string;
}

/** The shape of the precompiled module's export. */
interface CompiledValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

// Both src/runbook/ (tests) and dist/runbook/ (the built CLI) sit two levels
// below the package root, so one relative path serves both.
const validatorUrl = new URL('../../dist/runbook/schema-validator.cjs', import.meta.url);
const schemaUrl = new URL('../../schemas/runbook.schema.json', import.meta.url);

let compiled: CompiledValidator | undefined;

/** Absolute path of `schemas/runbook.schema.json` (for `golive init` and error hints). */
export function schemaPath(): string {
  return fileURLToPath(schemaUrl);
}

/**
 * Validate data against the precompiled runbook schema; returns [] when valid.
 * Every problem is reported (the validator is built with `allErrors`).
 * Errors of the `if` keyword are dropped: each one only says "the then/else
 * branch failed", and that branch's own errors, which say why, are reported too.
 * "Exactly one of" rules therefore surface as one error each: a `required`
 * error when both keys are missing (`run`, or `env` for a secret), and a
 * `false schema` error at the second key when both are present.
 */
export function validateAgainstSchema(data: unknown): SchemaError[] {
  compiled ??= loadValidator();
  if (compiled(data)) return [];
  return (compiled.errors ?? []).filter((error) => error.keyword !== 'if');
}

function loadValidator(): CompiledValidator {
  const require = createRequire(import.meta.url);
  try {
    return require(fileURLToPath(validatorUrl)) as CompiledValidator;
  } catch (error) {
    throw new Error(`cannot load the runbook schema validator (${fileURLToPath(validatorUrl)}); run \`npm run build\` to generate it`, { cause: error });
  }
}

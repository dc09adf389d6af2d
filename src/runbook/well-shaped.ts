/**
 * The well-shaped part of a runbook the schema rejected, so the semantic
 * rules can run on it in the same pass: every problem at once, instead of
 * the rule errors appearing only after the schema errors are fixed.
 *
 * Each schema error is cut out at the field it belongs to (a step's bad
 * `timeout` goes, the step stays), so ids, positions and references of
 * everything else are unchanged. A step, check or smoke test missing a
 * required key gets a neutral stand-in for it (`run: true`, an id of its
 * own), so that references to it and inside it are still checked. What
 * cannot be repaired that way (the document's own shape) gives up: the
 * rules then wait for the schema errors to be fixed, as before.
 */
import type { DataPath } from './positions.js';
import { decodePointer } from './schema-errors.js';
import type { SchemaError } from './schema-validator.js';

type Json = Record<string, unknown> | unknown[];

/** Neutral values for required keys of list entities, by key. */
const STAND_INS: Record<string, (entity: DataPath) => unknown> = {
  // The entity's whole path, so two stand-ins (e.g. members of two groups) never share an id.
  id: (entity) => `invalid-id-${entity.join('-')}`,
  run: () => 'true',
  env: () => 'GOLIVE_UNSET',
  attempts: () => 1,
};

/**
 * How many leading segments of `path` name the entity a problem belongs to
 * (a step, a group member, a check, a secret, …); 0 for the document itself.
 */
function entityDepth(path: DataPath): number {
  const [first, second, third] = path;
  if (first === 'steps' && typeof second === 'number') return third === 'parallel' && typeof path[3] === 'number' ? 4 : 2;
  if ((first === 'checks' || first === 'verify' || first === 'notify') && typeof second === 'number') return 2;
  if (first === 'rollback' && second === 'verify' && typeof third === 'number') return 3;
  if ((first === 'secrets' || first === 'environments' || first === 'team' || first === 'vars') && typeof second === 'string') return 2;
  if (first === 'defaults' || first === 'window' || first === 'rollback') return 1;
  return 0;
}

/** Cutting out one field can leave its entity without a required key (a bad `id`): a few rounds settle that. */
const MAX_REPAIR_ROUNDS = 3;

/**
 * A copy of `data` that the schema accepts, with every schema error cut out
 * or stood in for; undefined when that is not possible.
 */
export function wellShapedPart(data: unknown, errors: SchemaError[], validate: (data: unknown) => SchemaError[]): unknown {
  let copy: unknown = structuredClone(data);
  let remaining = errors;
  for (let round = 0; round < MAX_REPAIR_ROUNDS; round++) {
    const repaired = repair(copy as Record<string, unknown>, remaining);
    if (repaired === undefined) return undefined;
    remaining = validate(repaired);
    if (remaining.length === 0) return repaired;
    copy = repaired;
  }
  return undefined;
}

function repair(copy: Record<string, unknown>, errors: SchemaError[]): Record<string, unknown> | undefined {
  for (const error of errors) {
    const path = decodePointer(error.instancePath);
    if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
    const depth = entityDepth(path);
    if (depth === 0) {
      // A document-level problem: an unknown top-level key can go; anything else cannot be repaired.
      if (path.length === 1 && error.keyword === 'additionalProperties') delete copy[path[0] as string];
      else if (path.length !== 1 || REQUIRED_AT_ROOT.has(String(path[0]))) return undefined;
      else delete copy[path[0] as string];
      continue;
    }
    const entity = nodeAt(copy, path.slice(0, depth));
    if (entity === undefined) continue; // already cut out with an earlier error
    // `!!binary` reads as a byte array, which looks like an object to the schema and cannot lose a key: give up.
    if (ArrayBuffer.isView(entity)) return undefined;
    if (path[0] === 'vars' || (path[0] === 'environments' && path[2] === 'vars' && path.length >= 4)) {
      // A variable keeps its name (references to it stay valid), not its bad value.
      const varPath = path[0] === 'vars' ? path.slice(0, 2) : path.slice(0, 4);
      const owner = nodeAt(copy, varPath.slice(0, -1));
      if (owner && !Array.isArray(owner)) owner[varPath[varPath.length - 1] as string] = '';
      continue;
    }
    if (path.length > depth) {
      if (!Array.isArray(entity)) delete entity[path[depth] as string];
      continue;
    }
    // The entity itself is wrong: a missing required key, or not even a map.
    if (error.keyword === 'required' && !Array.isArray(entity)) {
      const key = String(error.params.missingProperty);
      const standIn = STAND_INS[key];
      if (standIn === undefined) return undefined;
      entity[key] = standIn(path.slice(0, depth));
      continue;
    }
    return undefined;
  }
  return copy;
}

const REQUIRED_AT_ROOT = new Set(['golive', 'name', 'steps']);

function nodeAt(root: Json, path: DataPath): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

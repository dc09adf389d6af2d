/**
 * Turning JSON Schema errors into diagnostics a person can act on: one line
 * per problem, at the offending node (for an unknown key, at the key), in
 * words, with "did you mean" and YAML-trap hints.
 */

import { Codes, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { MAX_DURATION_TEXT, MAX_DURATION_WORDS } from './duration.js';
import { type ModelName, modelKeys } from './model-keys.js';
import type { DataPath, PositionIndex } from './positions.js';
import type { SchemaError } from './schema-validator.js';
import { didYouMean } from './suggest.js';

/** Keywords that only summarise errors reported more precisely elsewhere. */
const UMBRELLA = new Set(['if', 'then', 'else', 'allOf', 'anyOf', 'oneOf']);

/** Decode an ajv `instancePath` (a JSON Pointer) into data path segments. */
export function decodePointer(pointer: string): DataPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** Human label of a path: `steps[2].timeout`. */
export function pathLabel(path: DataPath): string {
  if (path.length === 0) return 'the runbook';
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Map schema errors (all of them) to diagnostics, dropping redundant umbrella errors. */
export function schemaDiagnostics(errors: SchemaError[], data: unknown, positions: PositionIndex, file: string): Diagnostic[] {
  // A key breaking `propertyNames` yields the inner error (marked with
  // `propertyName`) and a `propertyNames` summary: the summary names the key.
  const specific = errors.filter((e) => !UMBRELLA.has(e.keyword) && !('propertyName' in e) && !isNestedGroupNoise(e, errors));
  const chosen = specific.length > 0 ? specific : errors;
  const seen = new Set<string>();
  const result: Diagnostic[] = [];
  for (const error of chosen) {
    const diagnostic = describe(error, data, positions, file);
    const key = `${diagnostic.line}:${diagnostic.col}:${diagnostic.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push(diagnostic);
    }
  }
  return result;
}

function describe(error: SchemaError, data: unknown, positions: PositionIndex, file: string): Diagnostic {
  const path = decodePointer(error.instancePath);
  const label = pathLabel(path);
  const value = valueAt(data, path);
  const place = positions.placeOf(path);
  const make = (code: DiagnosticCode, message: string, where = positions.valueAt(path), hint?: string): Diagnostic => ({
    file: place.file ?? file,
    line: where.line,
    col: where.col,
    severity: 'error',
    code,
    message: message + (place.note ?? ''),
    hint,
  });
  const params = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = modelKeys[modelAt(path, data)] ?? [];
      const nestedGroup = key === 'parallel' && path.includes('parallel');
      return make(
        Codes.UnknownKey,
        `unknown key \`${key}\` in ${label}`,
        positions.keyAt(path, key),
        nestedGroup
          ? 'parallel groups do not nest: list these steps in the outer group'
          : (synonymHint(key, allowed) ??
              (Object.hasOwn(SYNONYMS, key) ? undefined : didYouMean(key, allowed)) ??
              (allowed.length ? `allowed keys: ${allowed.join(', ')}` : undefined)),
      );
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      const fixed = key.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_');
      return make(
        Codes.UnknownKey,
        `\`${key}\` is not a valid name in ${label}: names become environment variables`,
        positions.keyAt(path, key),
        `use letters, digits and \`_\`, not starting with a digit, e.g. \`${fixed}\``,
      );
    }
    case 'unevaluatedProperties':
      return make(Codes.UnknownKey, `invalid key in ${label}: ${error.message ?? 'not allowed'}`);
    case 'required': {
      const key = String(params.missingProperty);
      const group = exclusiveGroup(key);
      // The `else` branch of an "exactly one of" group: any of its keys would do.
      if (group && error.schemaPath.startsWith('#/else/')) {
        return make(Codes.MissingKey, `${label} needs ${orList(group)}`, undefined, EXCLUSIVE_HINT[key]);
      }
      return make(Codes.MissingKey, `${label} is missing the required key \`${key}\``);
    }
    case 'false schema': {
      // The `then` branch of an "exactly one of" group forbids the other keys.
      const key = String(path[path.length - 1]);
      const parentPath = path.slice(0, -1);
      if (key === 'key')
        return make(
          Codes.Schema,
          `${pathLabel(parentPath)}: \`key\` names a line of an \`env_file\`, and there is none`,
          positions.keyOf(path),
          'add `env_file:`, or remove `key`',
        );
      const present = Object.keys((valueAt(data, parentPath) as object | null) ?? {});
      const other = exclusiveGroup(key)?.find((candidate) => candidate !== key && present.includes(candidate)) ?? key;
      return make(Codes.Schema, `${pathLabel(parentPath)} has both \`${key}\` and \`${other}\`: keep one`, positions.keyOf(path), EXCLUSIVE_HINT[key]);
    }
    case 'type':
      return make(
        Codes.WrongType,
        `${label} must be ${article(String(params.type))}, not ${typeName(value)}`,
        undefined,
        String(params.type).split(',').includes('string') ? yamlTrapHint(path, value, positions) : shapeHint(path, value),
      );
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return make(
        Codes.InvalidValue,
        `${label} must be one of ${allowed.join(', ')}`,
        undefined,
        typeof value === 'string' ? didYouMean(value, allowed) : undefined,
      );
    }
    case 'const':
      return make(
        Codes.InvalidValue,
        `${label} must be ${JSON.stringify(params.allowedValue)}`,
        undefined,
        path[0] === 'golive' ? 'this golive reads format version 1: `golive: 1`' : undefined,
      );
    case 'pattern': {
      if (isDuration(error.schemaPath)) {
        return make(Codes.BadDuration, `${label}: \`${String(value)}\` is not a duration`, undefined, DURATION_HINT);
      }
      if (/\/dateTime\//.test(error.schemaPath)) {
        return make(
          Codes.BadWindow,
          `${label}: \`${String(value)}\` is not a date-time with a UTC offset`,
          undefined,
          'write e.g. 2026-12-01T09:00:00+01:00 or 2026-12-01T08:00:00Z',
        );
      }
      const rule = PATTERN_RULES.find(([schemaPath]) => schemaPath.test(error.schemaPath));
      if (rule) return make(Codes.InvalidValue, `${label}: \`${String(value)}\` is not a valid ${rule[1]}`, undefined, rule[2]);
      return make(Codes.InvalidValue, `${label}: \`${String(value)}\` does not match ${String(params.pattern)}`);
    }
    case 'minimum':
      if (isDuration(error.schemaPath)) {
        return make(Codes.BadDuration, `${label}: \`${String(value)}\` is not a duration`, undefined, DURATION_HINT);
      }
      return make(Codes.InvalidValue, `${label} must be at least ${String(params.limit)}, not ${String(value)}`);
    case 'maximum':
      if (isDuration(error.schemaPath)) {
        return make(
          Codes.DurationTooLong,
          `${label}: \`${String(value)}\` is longer than the longest duration, ${MAX_DURATION_WORDS}`,
          undefined,
          `write at most ${MAX_DURATION_TEXT}`,
        );
      }
      return make(Codes.InvalidValue, `${label} must be at most ${String(params.limit)}, not ${String(value)}`);
    case 'uniqueItems': {
      const repeated = Array.isArray(value) ? value[Number(params.i)] : undefined;
      return make(Codes.InvalidValue, `${label} lists ${JSON.stringify(repeated)} twice`, undefined, 'list each value once');
    }
    case 'minLength':
    case 'minItems':
      return make(Codes.InvalidValue, params.limit === 1 ? `${label} must not be empty` : `${label} ${error.message ?? 'is too short'}`);
    case 'not':
    case 'oneOf':
      return make(Codes.Schema, `${label} ${error.message ?? 'is not valid'}`);
    default:
      return make(Codes.InvalidValue, `${label} ${error.message ?? 'is not valid'}`);
  }
}

/**
 * Keys other tools use for what golive calls differently: `if` is one edit
 * from `id`, but means `when`. Consulted before the spelling distance.
 */
const SYNONYMS: Record<string, string> = {
  if: 'when',
  condition: 'when',
  only_if: 'when',
  onlyIf: 'when',
  unless: 'when',
  precondition: 'when',
  command: 'run',
  cmd: 'run',
  script: 'run',
  undo: 'rollback',
  revert: 'rollback',
  name: 'title',
};

function synonymHint(key: string, allowed: string[]): string | undefined {
  const meant = Object.hasOwn(SYNONYMS, key) ? SYNONYMS[key] : undefined;
  if (meant === undefined || !allowed.includes(meant)) return undefined;
  return key === 'unless' ? 'did you mean `when`? (write the condition negated: `when: "!(…)"`)' : `did you mean \`${meant}\`?`;
}

const DURATION_HINT = 'write 90s, 15m, 1h30m, or a number of seconds';

/** Groups of keys of which exactly one must be present (the schema's if/then/else). */
const EXCLUSIVE: string[][] = [
  ['run', 'confirm'],
  ['env', 'file', 'env_file'],
];

function exclusiveGroup(key: string): string[] | undefined {
  return EXCLUSIVE.find((group) => group.includes(key));
}

/** `a` or `b`; `a` or `b` (or `c`): the keys added later come last, so the common choice reads first. */
function orList(keys: string[]): string {
  const [first, second, ...more] = keys.map((key) => `\`${key}\``);
  return `${first} or ${second}${more.length ? ` (or ${more.join(', ')})` : ''}`;
}

const SECRET_SOURCE_HINT = 'a secret comes from an environment variable (`env`) or a file (`file`), or from a line of a dotenv file (`env_file`)';

const EXCLUSIVE_HINT: Record<string, string> = {
  run: '`run` is a command, `confirm` a question for the operator',
  confirm: '`run` is a command, `confirm` a question for the operator',
  env: SECRET_SOURCE_HINT,
  file: SECRET_SOURCE_HINT,
  env_file: SECRET_SOURCE_HINT,
};

/** Patterns of the schema, in words: [schema path, what it is, how to write one]. */
const PATTERN_RULES: Array<[RegExp, string, string]> = [
  [/\/id\/pattern$/, 'id', 'use letters, digits, `_` and `-`, starting with a letter or digit'],
  [/^#\/properties\/name\/pattern$/, 'name', 'use letters, digits, `.`, `_` and `-`, starting with a letter or digit'],
  [/\/variableName\/pattern$/, 'variable name', 'use letters, digits and `_`, not starting with a digit'],
  [/\/target\/properties\/name\/pattern$/, 'host name', 'use letters, digits, `.`, `_` and `-`, starting with a letter or digit'],
  [/\/target\/properties\/host\/pattern$/, 'host', 'a host name or address, without spaces, not starting with `-`'],
  [/\/target\/properties\/user\/pattern$/, 'user', 'a user name, without spaces or `@`, not starting with `-`'],
  [/\/hostShare\/pattern$/, 'number of hosts', 'a number of hosts, or a percentage from 0% to 100% such as `25%`'],
];

/**
 * A group nested in a group is read as a step with an unknown `parallel`
 * key; "missing `run`" on the same object would only repeat that.
 */
function isNestedGroupNoise(error: SchemaError, all: SchemaError[]): boolean {
  return (
    error.keyword === 'required' &&
    error.params.missingProperty === 'run' &&
    all.some((other) => other.instancePath === error.instancePath && other.keyword === 'additionalProperties' && other.params.additionalProperty === 'parallel')
  );
}

/** A number where a map is expected: show the map it was probably meant to be (`retry: 2`). */
function shapeHint(path: DataPath, value: unknown): string | undefined {
  if (path[path.length - 1] === 'retry' && typeof value === 'number')
    return `write \`retry: { attempts: ${value} }\` (add \`delay: 20s\` to wait between tries)`;
  return undefined;
}

/** YAML reads `run: {{ x }}` as a map and `true` or `42` as a boolean or number: say so where text was expected. */
function yamlTrapHint(path: DataPath, value: unknown, positions: PositionIndex): string | undefined {
  const source = positions.sourceOf(path);
  if (value !== null && typeof value === 'object' && source.startsWith('{{')) {
    return `YAML reads a value starting with \`{{\` as a map: quote it, e.g. "${source.split('\n')[0]}"`;
  }
  if (typeof value === 'boolean' && positions.isPlainScalar(path)) {
    return `YAML reads \`${source}\` as a boolean: quote it ("${source}") if you mean the text`;
  }
  if (typeof value === 'number' && positions.isPlainScalar(path)) {
    return `YAML reads \`${source}\` as a number: quote it ("${source}") if you mean the text`;
  }
  return undefined;
}

/**
 * Which model object lives at a data path. (The precompiled validator reports
 * schema paths relative to a `$ref`'d definition, so the data path is the
 * reliable guide.)
 */
function modelAt(path: DataPath, data: unknown): ModelName {
  const keys = path.filter((segment): segment is string => typeof segment === 'string');
  const last = keys[keys.length - 1];
  const endsInIndex = typeof path[path.length - 1] === 'number';
  if (keys.length === 0) return 'runbook';
  if (last === 'window') return 'deploymentWindow';
  if (last === 'defaults') return 'defaults';
  if (last === 'retry') return 'retry';
  if (last === 'validate') return 'validationSpec';
  if (keys[0] === 'rollback' && keys.length === 1) return 'rollbackSection';
  if (keys[0] === 'rollback' && last === 'verify') return 'rollbackVerify';
  if (last === 'rollback') return 'rollbackSpec';
  if (keys.length === 2 && keys[0] === 'team') return 'teamMember';
  if (keys.length === 2 && keys[0] === 'environments') return 'environment';
  if (keys.length === 2 && keys[0] === 'secrets') return 'secretSource';
  if (last === 'checks' && endsInIndex) return 'check';
  if (last === 'verify' && endsInIndex) return 'smokeTest';
  if (last === 'notify' && endsInIndex) return 'notification';
  if (last === 'parallel' && endsInIndex) return 'step';
  if (last === 'steps' && endsInIndex) {
    const entry = valueAt(data, path) as { parallel?: unknown } | undefined;
    return entry && typeof entry === 'object' && 'parallel' in entry ? 'parallelGroup' : 'step';
  }
  return 'runbook';
}

function isDuration(errorSchemaPath: string): boolean {
  return /\/duration\b/i.test(errorSchemaPath);
}

function valueAt(data: unknown, path: DataPath): unknown {
  let node = data;
  for (const segment of path) node = (node as Record<string | number, unknown> | null | undefined)?.[segment];
  return node;
}

function typeName(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return 'text';
  return `${article(typeof value)} (${String(value)})`;
}

function article(type: string): string {
  const words: Record<string, string> = {
    object: 'a map',
    array: 'a list',
    string: 'text',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    null: 'empty',
  };
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}

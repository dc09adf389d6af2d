/**
 * The schema and the TypeScript model must describe the same runbook.
 * src/runbook/model-keys.ts is checked against types.ts by tsc; these tests
 * check schemas/runbook.schema.json against model-keys.ts, and the schema's
 * own conventions (descriptions everywhere, one duration definition).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRunbookText } from '../../src/runbook/load.js';
import { type ModelName, modelDurationKeys, modelKeys, modelRequiredKeys } from '../../src/runbook/model-keys.js';

type SchemaNode = { [keyword: string]: unknown };

const schema = JSON.parse(readFileSync(new URL('../../schemas/runbook.schema.json', import.meta.url), 'utf8')) as SchemaNode;
const defs = schema.$defs as Record<string, SchemaNode>;
const durationRef = '#/$defs/duration';
const modelNames = Object.keys(modelKeys) as ModelName[];

/** The schema object that describes a model object: the root for `runbook`, else its `$defs` entry. */
function modelSchema(name: ModelName): SchemaNode {
  return name === 'runbook' ? schema : defs[name]!;
}

/** JSON Pointer of a model object's definition, for readable failures. */
function modelPointer(name: ModelName): string {
  return name === 'runbook' ? '' : `/$defs/${name}`;
}

/** Every schema object in the document with its JSON Pointer (subschemas and plain values alike). */
function* walk(node: unknown, pointer = ''): Generator<[string, SchemaNode]> {
  if (node === null || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield [pointer, node as SchemaNode];
  for (const [key, value] of Object.entries(node)) {
    // `examples` and `default` hold runbook data, not schemas.
    if (key === 'examples' || key === 'default' || key === 'const' || key === 'enum') continue;
    yield* walk(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  }
}

/** Every `properties` entry in the document, with its pointer. Boolean entries (`run: false`) are presence tests, not shapes. */
function allProperties(): [string, SchemaNode][] {
  const found: [string, SchemaNode][] = [];
  for (const [pointer, node] of walk(schema)) {
    if (node.properties === undefined || typeof node.properties !== 'object') continue;
    for (const [key, sub] of Object.entries(node.properties as Record<string, unknown>)) {
      if (typeof sub === 'object' && sub !== null) found.push([`${pointer}/properties/${key}`, sub as SchemaNode]);
    }
  }
  return found;
}

/** `required` lists in a node's conditional subschemas (if/then/else, possibly nested). */
function conditionalRequired(node: SchemaNode): string[] {
  const names: string[] = [];
  for (const keyword of ['if', 'then', 'else', 'not']) {
    const sub = node[keyword];
    if (typeof sub !== 'object' || sub === null) continue;
    names.push(...(((sub as SchemaNode).required as string[] | undefined) ?? []), ...conditionalRequired(sub as SchemaNode));
  }
  return names;
}

const sorted = (list: readonly string[]): string[] => [...list].sort();

describe('schema and model keys', () => {
  it('lists every interface of types.ts in model-keys.ts', () => {
    const source = readFileSync(new URL('../../src/runbook/types.ts', import.meta.url), 'utf8');
    const interfaces = [...source.matchAll(/^export interface (\w+)/gm)].map(([, name]) => name!.charAt(0).toLowerCase() + name!.slice(1));
    expect(sorted(modelNames)).toEqual(sorted(interfaces));
  });

  it.each(modelNames)('%s: the schema has exactly the model keys', (name) => {
    const node = modelSchema(name);
    expect(node, `${modelPointer(name)} is missing`).toBeDefined();
    expect(sorted(Object.keys(node.properties as object))).toEqual(sorted(modelKeys[name]));
  });

  it.each(modelNames)('%s: the schema requires exactly the non-optional keys', (name) => {
    expect(sorted((modelSchema(name).required as string[] | undefined) ?? [])).toEqual(sorted(modelRequiredKeys[name]));
  });

  it.each(modelNames)('%s: the schema rejects unknown keys', (name) => {
    expect(modelSchema(name).additionalProperties).toBe(false);
  });

  it.each(modelNames)('%s: conditional `required` names only declared keys', (name) => {
    const declared = Object.keys(modelSchema(name).properties as object);
    for (const key of conditionalRequired(modelSchema(name))) expect(declared).toContain(key);
  });

  it('dispatches a step entry on `parallel`, then `rollout`: keys only a parallel group or a rollout has', () => {
    const entry = defs.stepEntry!;
    expect(conditionalRequired(entry)).toEqual(['parallel', 'rollout']);
    expect(entry.then).toEqual({ $ref: '#/$defs/parallelGroup' });
    const second = entry.else as SchemaNode;
    expect(second.if).toEqual({ type: 'object', required: ['rollout'] });
    expect(second.then).toEqual({ $ref: '#/$defs/rolloutStep' });
    expect(second.else).toEqual({ $ref: '#/$defs/step' });
    expect(modelRequiredKeys.parallelGroup).toContain('parallel');
    expect(modelRequiredKeys.rolloutStep).toContain('rollout');
    expect(modelKeys.step).not.toContain('parallel');
    expect(modelKeys.step).not.toContain('rollout');
  });
});

/** The schema node at a JSON Pointer made of plain keys. */
function nodeAt(pointer: string): SchemaNode {
  return pointer
    .split('/')
    .slice(1)
    .reduce((node: SchemaNode, key) => (node as Record<string, SchemaNode>)[key], schema as SchemaNode);
}

describe('schema conventions', () => {
  it('describes every property and every definition', () => {
    const undescribed = [...allProperties(), ...Object.entries(defs).map(([name, node]) => [`/$defs/${name}`, node] as [string, SchemaNode])]
      .filter(([, node]) => typeof node.description !== 'string' || node.description.trim() === '')
      .map(([pointer]) => pointer);
    expect(undescribed).toEqual([]);
  });

  it('rejects unknown keys in every object with fixed keys', () => {
    const open = [...walk(schema)]
      .filter(([, node]) => node.type === 'object' && node.properties !== undefined)
      .filter(([, node]) => node.additionalProperties !== false)
      .map(([pointer]) => pointer);
    expect(open).toEqual([]);
  });

  it('types every duration key with the single duration definition, and nothing else', () => {
    const expected = modelNames.flatMap((name) => modelDurationKeys[name].map((key) => `${modelPointer(name)}/properties/${key}`));
    const actual = [...walk(schema)].filter(([, node]) => node.$ref === durationRef).map(([pointer]) => pointer);
    expect(sorted(actual)).toEqual(sorted(expected));
    expect(expected.length).toBeGreaterThan(0);
  });

  it('defines the duration pattern once', () => {
    const pattern = defs.duration!.pattern;
    const places = [...walk(schema)].filter(([, node]) => node.pattern === pattern).map(([pointer]) => pointer);
    expect(places).toEqual(['/$defs/duration']);
  });

  it('titles every definition and every top-level key (the editor shows the title on hover)', () => {
    const untitled = [
      ...Object.entries(schema.properties as Record<string, SchemaNode>).map(([name, node]) => [`/properties/${name}`, node] as [string, SchemaNode]),
      ...Object.entries(defs).map(([name, node]) => [`/$defs/${name}`, node] as [string, SchemaNode]),
    ]
      .filter(([, node]) => typeof node.title !== 'string' || node.title.trim() === '')
      .map(([pointer]) => pointer);
    expect(untitled).toEqual([]);
  });

  it('gives every pattern the editor message that golive validate prints as its hint', () => {
    const patterns = [...walk(schema)].filter(([, node]) => typeof node.pattern === 'string').map(([pointer]) => pointer);
    expect(patterns.filter((pointer) => typeof nodeAt(pointer).patternErrorMessage !== 'string')).toEqual([]);
    // One runbook per pattern, breaking it once: validate's hint is the schema's editor message.
    const broken: Record<string, string> = {
      '/properties/name': 'golive: 1\nname: "bad name"\nsteps: [{ id: a, run: "true" }]\n',
      '/$defs/duration': 'golive: 1\nname: x\nsteps: [{ id: a, run: "true", duration: 5 minutes }]\n',
      '/$defs/dateTime': 'golive: 1\nname: x\nwindow: { start: tomorrow, end: "2026-12-01T10:00:00Z" }\nsteps: [{ id: a, run: "true" }]\n',
      '/$defs/id': 'golive: 1\nname: x\nsteps: [{ id: "a.b", run: "true" }]\n',
      '/$defs/variableName': 'golive: 1\nname: x\nvars: { "bad-name": 1 }\nsteps: [{ id: a, run: "true" }]\n',
      '/$defs/target/properties/name': 'golive: 1\nname: x\ntargets: { web: [{ name: "web 1", host: h }] }\nsteps: [{ id: a, run: "true" }]\n',
      '/$defs/target/properties/host': 'golive: 1\nname: x\ntargets: { web: [{ name: web1, host: "-oProxyCommand=x" }] }\nsteps: [{ id: a, run: "true" }]\n',
      '/$defs/target/properties/user': 'golive: 1\nname: x\ntargets: { web: [{ name: web1, host: h, user: "a@b" }] }\nsteps: [{ id: a, run: "true" }]\n',
      '/$defs/hostShare':
        'golive: 1\nname: x\ntargets: { web: [{ name: web1, host: h }] }\nsteps: [{ id: r, rollout: { on: web, waves: [half], steps: [{ id: a, run: "true" }] } }]\n',
    };
    expect(Object.keys(broken).sort()).toEqual([...patterns].sort());
    for (const [pointer, text] of Object.entries(broken)) {
      const hints = loadRunbookText('runbook.yaml', text).diagnostics.map((d) => d.hint ?? '');
      // golive may add an example built from the value (`e.g. bad_name`) after the shared words.
      expect(
        hints.filter((hint) => hint.startsWith(nodeAt(pointer).patternErrorMessage as string)),
        pointer,
      ).toHaveLength(1);
    }
  });

  it('uses every definition', () => {
    const text = JSON.stringify(schema);
    const unused = Object.keys(defs).filter((name) => !text.includes(`"#/$defs/${name}"`));
    expect(unused).toEqual([]);
  });
});

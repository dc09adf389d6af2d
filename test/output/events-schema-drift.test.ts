/**
 * schemas/events.schema.json must describe exactly the events
 * src/engine/events.ts declares. The event union is read from the source
 * with the TypeScript parser (no hand-kept list to forget): every kind must
 * have its definition, with exactly its keys, the same optional ones, and
 * matching types (string-literal unions as `enum`s, interfaces as objects),
 * plus the keys a `--json` line adds around an event.
 */
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { createJsonRenderer, EVENT_STREAM_FORMAT } from '../../src/output/json-lines.js';
import { Codes } from '../../src/runbook/diagnostics.js';

type SchemaNode = { [keyword: string]: unknown };

const schema = JSON.parse(readFileSync(new URL('../../schemas/events.schema.json', import.meta.url), 'utf8')) as SchemaNode;
const defs = schema.$defs as Record<string, SchemaNode>;

/** A parsed source file of golive, by its path under src/. */
const sources = new Map<string, ts.SourceFile>();
function source(path: string): ts.SourceFile {
  let file = sources.get(path);
  if (!file) {
    const text = readFileSync(new URL(`../../src/${path}`, import.meta.url), 'utf8');
    file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    sources.set(path, file);
  }
  return file;
}

/** Every .ts file under src/, as a path under src/. */
function sourcePaths(dir = ''): string[] {
  return readdirSync(new URL(`../../src/${dir}`, import.meta.url), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourcePaths(`${dir}${entry.name}/`) : entry.name.endsWith('.ts') ? [`${dir}${entry.name}`] : [],
  );
}

/** A named type alias or interface declared in `path`, or imported there (followed to its module). */
function declaration(path: string, name: string): { path: string; node: ts.TypeAliasDeclaration | ts.InterfaceDeclaration } {
  const file = source(path);
  for (const statement of file.statements) {
    if ((ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) && statement.name.text === name) return { path, node: statement };
    if (ts.isImportDeclaration(statement) && statement.importClause?.namedBindings && ts.isNamedImports(statement.importClause.namedBindings)) {
      if (!statement.importClause.namedBindings.elements.some((e) => e.name.text === name)) continue;
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
      const target = new URL(specifier.replace(/\.js$/, '.ts'), new URL(path, 'file:///src/')).pathname.replace(/^\/src\//, '');
      return declaration(target, name);
    }
  }
  throw new Error(`no type ${name} in src/${path}`);
}

/** The members of an object type: key → optional?, type. */
function membersOf(members: ts.NodeArray<ts.TypeElement>): Map<string, { optional: boolean; type: ts.TypeNode }> {
  const keys = new Map<string, { optional: boolean; type: ts.TypeNode }>();
  for (const member of members) {
    if (!ts.isPropertySignature(member) || !member.type) throw new Error(`unexpected member ${member.getText()}`);
    keys.set((member.name as ts.Identifier).text, { optional: member.questionToken !== undefined, type: member.type });
  }
  return keys;
}

/** The schema a `$ref` points at (one level; local references only). */
function resolved(node: SchemaNode): SchemaNode {
  if (typeof node.$ref !== 'string') return node;
  const name = node.$ref.replace('#/$defs/', '');
  expect(defs[name], `${node.$ref} is defined`).toBeDefined();
  return resolved(defs[name]!);
}

/** The string literals of a union written in the source (following named aliases), or undefined when it is not one. */
function stringLiterals(path: string, type: ts.TypeNode): string[] | undefined {
  if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return [type.literal.text];
  if (ts.isParenthesizedTypeNode(type)) return stringLiterals(path, type.type);
  if (ts.isUnionTypeNode(type)) {
    const parts = type.types.map((t) => stringLiterals(path, t));
    return parts.every((p) => p !== undefined) ? [...new Set(parts.flat() as string[])] : undefined;
  }
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text !== 'Record') {
    const found = declaration(path, type.typeName.text);
    return ts.isTypeAliasDeclaration(found.node) ? stringLiterals(found.path, found.node.type) : undefined;
  }
  return undefined;
}

/**
 * Assert that `schemaNode` describes the TypeScript type `type` (written in
 * `path`): the same primitive, nullability, literal set, array items or
 * object keys. Numbers are integers in the stream (milliseconds, exit codes, pids).
 */
function expectDescribes(path: string, type: ts.TypeNode, schemaNode: SchemaNode, where: string): void {
  const node = resolved(schemaNode);
  const literals = stringLiterals(path, type);
  if (literals) {
    const values = node.const !== undefined ? [node.const] : (node.enum as unknown[] | undefined);
    expect(values && [...values].sort(), `${where}: the values of ${type.getText()}`).toEqual([...literals].sort());
    return;
  }
  if (ts.isUnionTypeNode(type)) {
    const others = type.types.filter((t) => !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword));
    expect(others.length, `${where}: only unions with null are expected here`).toBe(type.types.length - 1);
    const options = node.anyOf as SchemaNode[] | undefined;
    expect(
      options?.some((o) => o.type === 'null'),
      `${where}: ${type.getText()} allows null`,
    ).toBe(true);
    expectDescribes(path, others[0]!, options!.find((o) => o.type !== 'null')!, where);
    return;
  }
  switch (type.kind) {
    case ts.SyntaxKind.StringKeyword:
      expect(node.type, `${where} is a string`).toBe('string');
      return;
    case ts.SyntaxKind.NumberKeyword:
      expect(node.type, `${where} is an integer`).toBe('integer');
      return;
    case ts.SyntaxKind.BooleanKeyword:
      expect(node.type, `${where} is a boolean`).toBe('boolean');
      return;
  }
  if (ts.isArrayTypeNode(type)) {
    expect(node.type, `${where} is an array`).toBe('array');
    expectDescribes(path, type.elementType, node.items as SchemaNode, `${where}[]`);
    return;
  }
  if (ts.isTypeLiteralNode(type)) {
    expectObject(path, membersOf(type.members), node, where);
    return;
  }
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
    if (type.typeName.text === 'Record') {
      expect(node.type, `${where} is an object`).toBe('object');
      expectDescribes(path, type.typeArguments![1]!, node.additionalProperties as SchemaNode, `${where}{}`);
      return;
    }
    const found = declaration(path, type.typeName.text);
    if (ts.isInterfaceDeclaration(found.node)) expectObject(found.path, membersOf(found.node.members), node, where);
    else expectDescribes(found.path, found.node.type, node, where);
    return;
  }
  throw new Error(`${where}: no rule for the type ${type.getText()}`);
}

/** An object schema with exactly these keys, requiring exactly the non-optional ones, each of its type. */
function expectObject(path: string, members: Map<string, { optional: boolean; type: ts.TypeNode }>, node: SchemaNode, where: string): void {
  expect(node.type, `${where} is an object`).toBe('object');
  expect(node.additionalProperties, `${where} rejects unknown keys`).toBe(false);
  const properties = node.properties as Record<string, SchemaNode>;
  expect(Object.keys(properties).sort(), `${where}: keys`).toEqual([...members.keys()].sort());
  const required = [...members].filter(([, m]) => !m.optional).map(([key]) => key);
  expect([...((node.required as string[] | undefined) ?? [])].sort(), `${where}: required keys`).toEqual(required.sort());
  for (const [key, member] of members) expectDescribes(path, member.type, properties[key]!, `${where}.${key}`);
}

/** Each kind of `EngineEventBody` in src/engine/events.ts with its members. */
function eventKindsInSource(): Map<string, Map<string, { optional: boolean; type: ts.TypeNode }>> {
  const body = declaration('engine/events.ts', 'EngineEventBody').node as ts.TypeAliasDeclaration;
  const kinds = new Map<string, Map<string, { optional: boolean; type: ts.TypeNode }>>();
  for (const member of (body.type as ts.UnionTypeNode).types) {
    const members = membersOf((member as ts.TypeLiteralNode).members);
    const kind = stringLiterals('engine/events.ts', members.get('kind')!.type)!;
    expect(kind, member.getText()).toHaveLength(1);
    kinds.set(kind[0]!, members);
  }
  return kinds;
}

/** What `EngineEvent` adds to every body (`at`), read from its declaration. */
function stampedKeys(): Map<string, { optional: boolean; type: ts.TypeNode }> {
  const event = declaration('engine/events.ts', 'EngineEvent').node as ts.TypeAliasDeclaration;
  const added = (event.type as ts.IntersectionTypeNode).types.find(ts.isTypeLiteralNode)!;
  return membersOf(added.members);
}

/** The keys a `--json` line puts around an event, in order, found by rendering one. */
function envelopeKeys(): string[] {
  const lines: string[] = [];
  const event: EngineEvent = { kind: 'warning', message: 'm', at: '2026-12-01T10:00:00.000Z' };
  createJsonRenderer((text) => lines.push(text), '01M8SYP3K8RWQE649PHME5F04M')(event);
  expect(lines).toHaveLength(1);
  return Object.keys(JSON.parse(lines[0]!) as object).filter((key) => !(key in event));
}

const kinds = eventKindsInSource();

describe('events.schema.json and src/engine/events.ts', () => {
  it('finds the event kinds in the source', () => {
    expect(kinds.size).toBeGreaterThanOrEqual(16);
    expect(kinds.has('run.started') && kinds.has('run.finished')).toBe(true);
  });

  it('defines exactly one event.<kind> per kind, and #/$defs/event is one of exactly those', () => {
    const defined = Object.keys(defs)
      .filter((name) => name.startsWith('event.'))
      .map((name) => name.slice('event.'.length));
    expect(defined.sort()).toEqual([...kinds.keys()].sort());
    expect((defs.event!.oneOf as SchemaNode[]).map((o) => o.$ref).sort()).toEqual([...kinds.keys()].map((k) => `#/$defs/event.${k}`).sort());
  });

  it('a line is {"golive": 1, "runId", ...event}: the version first, then the run id', () => {
    expect(envelopeKeys()).toEqual(['golive', 'runId']);
    expect(defs.formatVersion!.const).toBe(EVENT_STREAM_FORMAT);
  });

  it.each([...kinds.keys()])("%s: exactly the keys, optional keys and types of the source, plus the line's keys", (kind) => {
    const node = defs[`event.${kind}`]!;
    const members = new Map([...kinds.get(kind)!, ...stampedKeys()]);
    const properties = node.properties as Record<string, SchemaNode>;
    for (const key of envelopeKeys()) {
      expect(members.has(key), `${kind} has a key of its own named ${key}, which the stream reserves`).toBe(false);
      expect(properties[key], `${kind}.${key}`).toBeDefined();
    }
    expect((node.required as string[]).slice(0, 2)).toEqual(envelopeKeys());
    const withoutEnvelope = {
      ...node,
      properties: Object.fromEntries(Object.entries(properties).filter(([key]) => !envelopeKeys().includes(key))),
      required: (node.required as string[]).filter((key) => !envelopeKeys().includes(key)),
    };
    expectObject('engine/events.ts', members, withoutEnvelope, `event.${kind}`);
  });

  it('every other line of the stream carries the version too', () => {
    for (const name of ['error', 'nothingToRollBack']) {
      expect((defs[name]!.required as string[])[0], name).toBe('golive');
      expect((defs[name]!.properties as Record<string, SchemaNode>).golive!.$ref, name).toBe('#/$defs/formatVersion');
    }
  });

  it('shared values equal their source types', () => {
    const shared: Array<[string, string, string]> = [
      ['runStatus', 'journal/types.ts', 'RunStatus'],
      ['runOutcome', 'engine/events.ts', 'RunOutcome'],
      ['failurePolicy', 'runbook/types.ts', 'FailurePolicy'],
      ['severity', 'runbook/types.ts', 'Severity'],
    ];
    for (const [name, path, type] of shared) {
      const alias = declaration(path, type).node as ts.TypeAliasDeclaration;
      expect([...(defs[name]!.enum as string[])].sort(), name).toEqual(stringLiterals(path, alias.type)!.sort());
    }
    expect(defs.diagnosticCode!.enum).toEqual(Object.values(Codes));
  });

  it('a status update has exactly the keys of StatusUpdate, and its verdicts', () => {
    // Found by name: the module that declares it may move between src/views and src/output.
    const path = sourcePaths().find((p) => /^export interface StatusUpdate\b/m.test(readFileSync(new URL(`../../src/${p}`, import.meta.url), 'utf8')))!;
    expect(path, 'a module declares StatusUpdate').toBeDefined();
    const update = membersOf((declaration(path, 'StatusUpdate').node as ts.InterfaceDeclaration).members);
    const node = defs.status!;
    expect(Object.keys(node.properties as object).sort()).toEqual([...update.keys()].sort());
    expect([...(node.required as string[])].sort()).toEqual(
      [...update]
        .filter(([, m]) => !m.optional)
        .map(([key]) => key)
        .sort(),
    );
    const verdicts = stringLiterals(path, update.get('status')!.type)!;
    expect([...((node.properties as Record<string, SchemaNode>).status!.enum as string[])].sort()).toEqual(verdicts.sort());
  });

  it('a planned retry has exactly the keys of PlannedRetry', () => {
    const retry = membersOf((declaration('runbook/plan.ts', 'PlannedRetry').node as ts.InterfaceDeclaration).members);
    const plannedStep = (defs.plan!.properties as Record<string, SchemaNode>).steps!.items as SchemaNode;
    const node = (plannedStep.properties as Record<string, SchemaNode>).retry!;
    expect(Object.keys(node.properties as object).sort()).toEqual([...retry.keys()].sort());
    expect([...(node.required as string[])].sort()).toEqual(
      [...retry]
        .filter(([, m]) => !m.optional)
        .map(([key]) => key)
        .sort(),
    );
  });

  it('a history row and a diagnostic have exactly the keys of their source types', () => {
    const summary = declaration('views/run-summary.ts', 'RunSummary').node as ts.InterfaceDeclaration;
    expectObject('views/run-summary.ts', membersOf(summary.members), defs.runSummary!, 'runSummary');
    const diagnostic = declaration('runbook/diagnostics.ts', 'Diagnostic').node as ts.InterfaceDeclaration;
    const keys = Object.keys(defs.diagnostic!.properties as object);
    expect(keys.sort()).toEqual([...membersOf(diagnostic.members).keys()].sort());
  });
});

/** Every schema object in the document with its JSON Pointer. */
function* walk(node: unknown, pointer = ''): Generator<[string, SchemaNode]> {
  if (node === null || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield [pointer, node as SchemaNode];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'const' || key === 'enum') continue;
    yield* walk(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  }
}

describe('events.schema.json conventions', () => {
  it('titles and describes every definition and every property', () => {
    const nodes: Array<[string, SchemaNode]> = Object.entries(defs).map(([name, node]) => [`/$defs/${name}`, node]);
    for (const [pointer, node] of walk(schema)) {
      if (node.properties && typeof node.properties === 'object') {
        for (const [key, sub] of Object.entries(node.properties as Record<string, SchemaNode>)) nodes.push([`${pointer}/properties/${key}`, sub]);
      }
    }
    const missing = nodes
      .filter(([, node]) => !(typeof node.title === 'string' && node.title.trim() && typeof node.description === 'string' && node.description.trim()))
      .map(([pointer]) => pointer);
    expect(missing).toEqual([]);
  });

  it('rejects unknown keys in every object with fixed keys', () => {
    const open = [...walk(schema)].filter(([, node]) => node.properties !== undefined && node.additionalProperties !== false).map(([pointer]) => pointer);
    expect(open).toEqual([]);
  });

  it('uses every definition, and offers each output at the top', () => {
    const text = JSON.stringify(schema);
    expect(Object.keys(defs).filter((name) => !text.includes(`"#/$defs/${name}"`))).toEqual([]);
    expect((schema.anyOf as SchemaNode[]).map((o) => o.$ref)).toEqual(
      ['line', 'history', 'show', 'status', 'validate', 'plan'].map((name) => `#/$defs/${name}`),
    );
  });

  it('documents the layout and the version rule in its description', () => {
    const description = schema.description as string;
    for (const pointer of [
      '#/$defs/line',
      '#/$defs/event',
      '#/$defs/event.<kind>',
      '#/$defs/error',
      '#/$defs/history',
      '#/$defs/show',
      '#/$defs/status',
      '#/$defs/validate',
      '#/$defs/plan',
    ]) {
      expect(description).toContain(`\`${pointer}\``);
    }
    expect(description).toContain('"golive": 1');
    expect(description).toContain('never changes meaning');
  });
});

/**
 * Reusable steps: a step entry `include: steps.yaml` (or `include: { file,
 * params }`) stands for the list of steps in that file, resolved relative to
 * the including file. It may stand in `steps:` and in any list of steps
 * within a step (a parallel group's members, a rollout's steps), at any
 * depth. Expansion happens on the parsed data before the schema and the rules
 * see it, so everything after (model, rules, `plan`) sees the expanded steps;
 * the positions of an included step stay in its own file, with "included from
 * runbook.yaml:12" after the message.
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import { LineCounter, type Node, parseDocument } from 'yaml';
import { Codes, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { type DataPath, type Position, PositionIndex, type SourcePlace } from './positions.js';
import type { RunbookSource } from './source.js';
import { readRunbookSource } from './source.js';

/** Included files' text by path relative to the runbook's directory ('/'-separated): what a run records. */
export type IncludedTexts = Record<string, string>;

/** The expanded runbook data with positions that know which file each step came from. */
export interface Expansion {
  data: Record<string, unknown>;
  positions: PositionIndex;
  /** Every file read, by its key (empty when the runbook includes nothing). */
  included: IncludedTexts;
  /** Each included file as messages name it, with its text (for code frames). */
  sources: Array<{ file: string; text: string }>;
  diagnostics: Diagnostic[];
}

/** The lists of steps a step may hold, by their path within the step. */
const NESTED_STEP_LISTS: DataPath[] = [['parallel'], ['rollout', 'steps']];

/** Where one expanded step is written. */
interface StepOrigin {
  positions: PositionIndex;
  file: string;
  path: DataPath;
  /** "a.yaml:3" for each include that led here, innermost first. */
  includedFrom: string[];
}

/** A file the expansion is inside of. */
interface Frame {
  file: string;
  positions: PositionIndex;
  dir: string;
  includedFrom: string[];
  /** Absolute paths of the files being expanded, outermost first (for cycles). */
  stack: string[];
}

const PARAM_REFERENCE = /\{\{\s*params\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;
const INCLUDE_KEYS = ['file', 'params'];

/**
 * Expand the `include:` entries of `steps`. `recorded` are the texts a run
 * recorded (a snapshot is rebuilt from them, never from today's files);
 * without it the files are read from disk.
 */
export function expandIncludes(data: Record<string, unknown>, positions: PositionIndex, source: RunbookSource, recorded?: IncludedTexts): Expansion {
  const steps = data.steps;
  const nothing = { data, positions, included: {}, sources: [], diagnostics: [] };
  if (!Array.isArray(steps) || !holdsInclude(steps)) return nothing;
  const expansion = new Expander(source.dir, recorded);
  const frame: Frame = { file: source.file, positions, dir: source.dir, includedFrom: [], stack: [source.absolutePath] };
  const expanded = expansion.expandList(steps, ['steps'], frame, ['steps']);
  return {
    data: { ...data, steps: expanded },
    positions: new ExpandedPositions(positions, expansion.origins),
    included: expansion.included,
    sources: expansion.sources,
    diagnostics: expansion.diagnostics,
  };
}

function isIncludeEntry(entry: unknown): entry is { include: unknown } {
  return isMap(entry) && Object.hasOwn(entry, 'include');
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The list at `path` within `entry`, if there is one. */
function listAt(entry: unknown, path: DataPath): unknown[] | undefined {
  let value = entry;
  for (const key of path) value = isMap(value) ? value[key as string] : undefined;
  return Array.isArray(value) ? value : undefined;
}

/** `entry` with the list at `path` replaced (copying only the maps on the way). */
function withListAt(entry: Record<string, unknown>, path: DataPath, list: unknown[]): Record<string, unknown> {
  const [key, ...rest] = path as string[];
  return { ...entry, [key]: rest.length === 0 ? list : withListAt(entry[key] as Record<string, unknown>, rest, list) };
}

/** Whether a list of steps, or a list within one of them, has an `include:` entry. */
function holdsInclude(entries: unknown[]): boolean {
  return entries.some(
    (entry) =>
      isIncludeEntry(entry) ||
      NESTED_STEP_LISTS.some((path) => {
        const list = listAt(entry, path);
        return list !== undefined && holdsInclude(list);
      }),
  );
}

/** The key of an expanded path in the origins map. */
function pathKey(path: DataPath): string {
  return path.join('/');
}

class Expander {
  /** Where each expanded step is written, by its expanded path (`steps/3/parallel/1`). */
  readonly origins = new Map<string, StepOrigin>();
  readonly included: IncludedTexts = {};
  readonly sources: Array<{ file: string; text: string }> = [];
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly rootDir: string,
    private readonly recorded: IncludedTexts | undefined,
  ) {}

  /**
   * The steps of a list with its includes expanded. `listPath` is where the
   * list is written in `frame`'s file, `outputPath` where it ends up in the
   * expanded runbook.
   */
  expandList(entries: unknown[], listPath: DataPath, frame: Frame, outputPath: DataPath): unknown[] {
    const steps: unknown[] = [];
    entries.forEach((entry, index) => {
      const path = [...listPath, index];
      if (isIncludeEntry(entry)) {
        for (const step of this.expandEntry(entry, path, frame)) this.place(step.entry, step.path, step.frame, outputPath, steps);
      } else this.place(entry, path, frame, outputPath, steps);
    });
    return steps;
  }

  /** Appends one step to `steps`, with the step lists it holds expanded too. */
  private place(entry: unknown, path: DataPath, frame: Frame, outputPath: DataPath, steps: unknown[]): void {
    const at = [...outputPath, steps.length];
    this.origins.set(pathKey(at), { positions: frame.positions, file: frame.file, path, includedFrom: frame.includedFrom });
    let step = entry;
    for (const listPath of NESTED_STEP_LISTS) {
      const list = listAt(step, listPath);
      if (list === undefined || !holdsInclude(list)) continue;
      step = withListAt(step as Record<string, unknown>, listPath, this.expandList(list, [...path, ...listPath], frame, [...at, ...listPath]));
    }
    steps.push(step);
  }

  private report(frame: Frame, where: Position, code: DiagnosticCode, message: string, hint?: string): void {
    this.diagnostics.push({
      file: frame.file,
      line: where.line,
      col: where.col,
      severity: 'error',
      code,
      message: message + fromNote(frame.includedFrom),
      hint,
    });
  }

  /** The entries of the file an include names, each with where it is written; none after reporting a problem. */
  private expandEntry(entry: { include: unknown }, path: DataPath, frame: Frame): Array<{ entry: unknown; path: DataPath; frame: Frame }> {
    const spec = this.includeSpec(entry, path, frame);
    if (!spec) return [];
    const at = frame.positions.valueAt(typeof entry.include === 'string' ? [...path, 'include'] : [...path, 'include', 'file']);
    const absolutePath = resolve(frame.dir, spec.file);
    const key = relative(this.rootDir, absolutePath).split(sep).join('/');
    const cycleStart = frame.stack.indexOf(absolutePath);
    if (cycleStart >= 0) {
      const names = [...frame.stack.slice(cycleStart), absolutePath].map((p) => relative(this.rootDir, p).split(sep).join('/'));
      this.report(frame, at, Codes.IncludeCycle, `include cycle: ${names.join(' → ')}`, 'a file may not include itself, directly or through others');
      return [];
    }
    const text = this.read(key, absolutePath);
    if (typeof text !== 'string') {
      this.report(frame, at, Codes.BadInclude, `cannot include \`${spec.file}\`: ${text.problem}`, text.hint);
      return [];
    }
    this.included[key] = text;
    const file = join(dirname(frame.file), spec.file);
    this.sources.push({ file, text });
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error', merge: true });
    const inner: Frame = {
      file,
      positions: new PositionIndex(doc, lineCounter, text),
      dir: dirname(absolutePath),
      includedFrom: [`${frame.file}:${at.line}`, ...frame.includedFrom],
      stack: [...frame.stack, absolutePath],
    };
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        this.report(inner, inner.positions.at(error.pos[0]), Codes.Syntax, error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
      }
      return [];
    }
    let steps: unknown;
    try {
      steps = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      this.report(inner, { line: 1, col: 1 }, Codes.BadInclude, `cannot read the YAML: ${(error as Error).message}`);
      return [];
    }
    if (!Array.isArray(steps)) {
      this.report(
        inner,
        inner.positions.valueAt([]),
        Codes.BadInclude,
        'an included file must be a list of steps',
        'write each step as `- id: …` at the top level',
      );
      return [];
    }
    const withParams = this.withParams(steps, [], spec.params, inner) as unknown[];
    return withParams.flatMap((step, index) =>
      isIncludeEntry(step) ? this.expandEntry(step, [index], inner) : [{ entry: step, path: [index] as DataPath, frame: inner }],
    );
  }

  /** The `{ file, params }` an include entry names, or undefined after reporting why it names none. */
  private includeSpec(entry: { include: unknown }, path: DataPath, frame: Frame): { file: string; params: Record<string, string> } | undefined {
    const fail = (where: Position, message: string, hint?: string): undefined => {
      this.report(frame, where, Codes.BadInclude, message, hint);
      return undefined;
    };
    const extra = Object.keys(entry).find((k) => k !== 'include');
    if (extra !== undefined)
      return fail(
        frame.positions.keyAt(path, extra),
        `an \`include\` entry has no other keys (found \`${extra}\`)`,
        'set them on the steps in the included file',
      );
    const value = entry.include;
    if (typeof value === 'string' && value.trim() !== '') return { file: value, params: {} };
    const at = frame.positions.valueAt([...path, 'include']);
    const shapeHint = 'write `include: steps.yaml` or `include: { file: steps.yaml, params: { name: value } }`';
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(at, '`include` names a file', shapeHint);
    const spec = value as Record<string, unknown>;
    const unknown = Object.keys(spec).find((k) => !INCLUDE_KEYS.includes(k));
    if (unknown !== undefined) return fail(frame.positions.keyAt([...path, 'include'], unknown), `unknown key \`${unknown}\` in include`, shapeHint);
    if (typeof spec.file !== 'string' || spec.file.trim() === '') return fail(at, '`include` needs `file:`', shapeHint);
    const params: Record<string, string> = {};
    const given = spec.params ?? {};
    if (typeof given !== 'object' || given === null || Array.isArray(given))
      return fail(frame.positions.valueAt([...path, 'include', 'params']), '`params` is a map of names to values', shapeHint);
    for (const [name, param] of Object.entries(given)) {
      if (!['string', 'number', 'boolean'].includes(typeof param)) {
        return fail(frame.positions.valueAt([...path, 'include', 'params', name]), `param \`${name}\` must be a string, number or boolean`);
      }
      params[name] = String(param);
    }
    return { file: spec.file, params };
  }

  /** The value with every `{{ params.X }}` replaced; an X not given is reported where it is used. */
  private withParams(value: unknown, path: DataPath, params: Record<string, string>, frame: Frame): unknown {
    if (typeof value === 'string') {
      return value.replace(PARAM_REFERENCE, (reference: string, name: string) => {
        if (Object.hasOwn(params, name)) return params[name];
        const given = Object.keys(params);
        this.report(
          frame,
          frame.positions.within(path, reference),
          Codes.BadInclude,
          `\`{{ params.${name} }}\` is not given by the include`,
          given.length ? `the include gives: ${given.join(', ')}` : 'give it with `include: { file: …, params: { name: value } }`',
        );
        return '';
      });
    }
    if (Array.isArray(value)) return value.map((item, i) => this.withParams(item, [...path, i], params, frame));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.withParams(v, [...path, k], params, frame)]));
    }
    return value;
  }

  private read(key: string, absolutePath: string): string | { problem: string; hint?: string } {
    if (this.recorded !== undefined) {
      return Object.hasOwn(this.recorded, key) ? this.recorded[key] : { problem: "the run's snapshot does not hold it" };
    }
    const source = readRunbookSource(absolutePath);
    return 'code' in source ? { problem: source.message, hint: source.hint } : source.text;
  }
}

function fromNote(includedFrom: string[]): string {
  return includedFrom.map((place) => ` (included from ${place})`).join('');
}

/** Positions over the expanded steps: each step is looked up in the file it is written in. */
class ExpandedPositions extends PositionIndex {
  constructor(
    private readonly main: PositionIndex,
    private readonly origins: Map<string, StepOrigin>,
  ) {
    super(main.doc, main.lines, main.text);
  }

  /** The innermost expanded step on `path` says which file, and where in it, the rest of the path is. */
  private locate(path: DataPath): { index: PositionIndex; path: DataPath; origin?: StepOrigin } {
    if (path[0] !== 'steps') return { index: this.main, path };
    for (let length = path.length; length >= 2; length--) {
      if (typeof path[length - 1] !== 'number') continue;
      const origin = this.origins.get(pathKey(path.slice(0, length)));
      if (origin) return { index: origin.positions, path: [...origin.path, ...path.slice(length)], origin };
    }
    return { index: this.main, path };
  }

  override node(path: DataPath): Node | undefined {
    const at = this.locate(path);
    return at.index.node(at.path);
  }

  override valueAt(path: DataPath): Position {
    const at = this.locate(path);
    return at.index.valueAt(at.path);
  }

  override keyAt(path: DataPath, key: string): Position {
    const at = this.locate(path);
    return at.index.keyAt(at.path, key);
  }

  override keyOf(path: DataPath): Position {
    const at = this.locate(path);
    return at.index.keyOf(at.path);
  }

  override within(path: DataPath, needle: string, occurrence = 0): Position {
    const at = this.locate(path);
    return at.index.within(at.path, needle, occurrence);
  }

  override offsetIn(path: DataPath, offset: number): Position {
    const at = this.locate(path);
    return at.index.offsetIn(at.path, offset);
  }

  override sourceOf(path: DataPath): string {
    const at = this.locate(path);
    return at.index.sourceOf(at.path);
  }

  override isPlainScalar(path: DataPath): boolean {
    const at = this.locate(path);
    return at.index.isPlainScalar(at.path);
  }

  override placeOf(path: DataPath): SourcePlace {
    const { origin } = this.locate(path);
    return origin && origin.includedFrom.length > 0 ? { file: origin.file, note: fromNote(origin.includedFrom) } : {};
  }
}

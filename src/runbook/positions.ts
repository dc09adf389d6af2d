/**
 * Mapping paths in the parsed data back to places in the YAML text, so every
 * problem can be reported as `file:line:col`.
 */
import { type Document, isMap, isPair, isScalar, type LineCounter, type Node, type Pair } from 'yaml';

/** A path into the runbook data: keys and list indexes. */
export type DataPath = Array<string | number>;

/** 1-based position. */
export interface Position {
  line: number;
  col: number;
}

/** Which file a path's problem is in, when it is not the runbook itself (an included step). */
export interface SourcePlace {
  file?: string;
  /** Appended to the message: " (included from runbook.yaml:12)". */
  note?: string;
}

/** Knows where every node of one parsed document is. */
export class PositionIndex {
  constructor(
    readonly doc: Document,
    readonly lines: LineCounter,
    readonly text: string,
  ) {}

  /** The position of an offset in the text. */
  at(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /** The node at `path`, or its nearest existing ancestor (ajv may name paths that are not nodes). */
  node(path: DataPath): Node | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, depth), true);
      if (node && typeof node === 'object' && 'range' in node && (node as Node).range) return node as Node;
    }
    return undefined;
  }

  /** Where the value at `path` starts. */
  valueAt(path: DataPath): Position {
    const node = this.node(path);
    return node?.range ? this.at(node.range[0]) : { line: 1, col: 1 };
  }

  /** Where the key `key` of the mapping at `path` is (falls back to the mapping). */
  keyAt(path: DataPath, key: string): Position {
    const pair = this.pair(path, key);
    const keyNode = pair?.key as Node | undefined;
    return keyNode?.range ? this.at(keyNode.range[0]) : this.valueAt(path);
  }

  /** The position of the key holding the value at `path` (e.g. `timeout:` for `/steps/0/timeout`). */
  keyOf(path: DataPath): Position {
    const last = path[path.length - 1];
    if (typeof last !== 'string') return this.valueAt(path);
    return this.keyAt(path.slice(0, -1), last);
  }

  /**
   * Where `needle` occurs inside the source text of the value at `path`
   * (e.g. a `{{ … }}` inside a command); falls back to the value's start.
   */
  within(path: DataPath, needle: string, occurrence = 0): Position {
    const node = this.node(path);
    if (!node?.range) return { line: 1, col: 1 };
    const raw = this.text.slice(node.range[0], node.range[1]);
    let index = -1;
    for (let i = 0; i <= occurrence; i++) {
      index = raw.indexOf(needle, index + 1);
      if (index < 0) break;
    }
    return this.at(index >= 0 ? node.range[0] + index : node.range[0]);
  }

  /**
   * Where character `offset` of the string value at `path` is in the file:
   * exact for plain and quoted one-line values (the usual way to write a
   * condition), the value's start for block scalars.
   */
  offsetIn(path: DataPath, offset: number): Position {
    const node = this.node(path);
    if (!node?.range) return { line: 1, col: 1 };
    if (!isScalar(node)) return this.at(node.range[0]);
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    const inline = quoted || node.type === 'PLAIN' || node.type === undefined;
    return this.at(inline ? node.range[0] + (quoted ? 1 : 0) + offset : node.range[0]);
  }

  /** The source text of the node at `path` (trimmed), for YAML-trap hints. */
  sourceOf(path: DataPath): string {
    const node = this.node(path);
    return node?.range ? this.text.slice(node.range[0], node.range[1]).trim() : '';
  }

  /** True when the value at `path` is a scalar written without quotes. */
  isPlainScalar(path: DataPath): boolean {
    const node = this.node(path);
    return isScalar(node) && (node.type === 'PLAIN' || node.type === undefined);
  }

  /** The file a problem at `path` is in; empty for the runbook itself (see include.ts). */
  placeOf(_path: DataPath): SourcePlace {
    return {};
  }

  private pair(path: DataPath, key: string): Pair | undefined {
    const parent = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (!isMap(parent)) return undefined;
    return parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
  }
}

/**
 * Changing a runbook file without disturbing it: `golive estimate --write`
 * edits only the text of each `duration:` value (or inserts a `duration:`
 * line under the step's `id:`), at the positions the parser reports, so
 * comments, alignment and layout stay byte for byte.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap } from 'yaml';

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Set `duration:` of the given steps (parallel members included); returns the new text and the ids changed. */
export function setStepDurations(text: string, durations: Map<string, string>): { text: string; changed: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const steps = doc.get('steps', true);
  const edits: Edit[] = [];
  const changed: string[] = [];
  const visit = (node: unknown) => {
    if (!isMap(node)) return;
    const members = node.get('parallel', true);
    if (isSeq(members)) return members.items.forEach(visit);
    const id = String(node.get('id'));
    const value = durations.get(id);
    if (value === undefined) return;
    const edit = durationEdit(node, value, text, lineCounter);
    if (edit) {
      edits.push(edit);
      changed.push(id);
    }
  };
  if (isSeq(steps)) steps.items.forEach(visit);
  let result = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return { text: result, changed };
}

function durationEdit(step: YAMLMap, value: string, text: string, lines: LineCounter): Edit | undefined {
  const current = step.get('duration', true);
  if (isScalar(current) && current.range) {
    if (String(current.value) === value) return undefined;
    return { start: current.range[0], end: current.range[1], text: value };
  }
  // No duration yet: a new line right after the `id:` line, at the id key's column.
  const idPair = step.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'id');
  const key = idPair && isScalar(idPair.key) ? idPair.key : undefined;
  if (!key?.range) return undefined;
  const indent = ' '.repeat(lines.linePos(key.range[0]).col - 1);
  const lineEnd = text.indexOf('\n', key.range[0]);
  const at = lineEnd < 0 ? text.length : lineEnd;
  return { start: at, end: at, text: `\n${indent}duration: ${value}` };
}

/**
 * `--json`: one JSON object per event and line, with the run id, for
 * pipelines. schemas/events.schema.json documents every line.
 */
import type { EngineEvent } from '../engine/events.js';

/**
 * The format version of the `--json` event stream, the first key of every
 * line (`"golive": 1`, like a runbook's `golive: 1`). Once published, a
 * version never changes meaning: new optional keys may appear within it;
 * removing, renaming or changing a key makes a new version.
 */
export const EVENT_STREAM_FORMAT = 1;

/** Every key any event kind has. */
type EventKeys = EngineEvent extends infer E ? (E extends unknown ? keyof E : never) : never;

/**
 * `golive` and `runId` are the line's, not any event's: an event key of the
 * same name would overwrite the version or the run id without a word, so
 * such an event does not compile.
 */
type EnvelopeKeysAreFree = Extract<EventKeys, 'golive' | 'runId'> extends never ? true : never;
const envelopeKeysAreFree: EnvelopeKeysAreFree = true;
void envelopeKeysAreFree;

/** Build a JSON-lines renderer. */
export function createJsonRenderer(write: (text: string) => void, runId: string): (event: EngineEvent) => void {
  return (event) => write(`${JSON.stringify({ golive: EVENT_STREAM_FORMAT, runId, ...event })}\n`);
}

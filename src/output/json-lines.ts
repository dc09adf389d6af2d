/** `--json`: one JSON object per event and line, with the run id, for pipelines. */
import type { EngineEvent } from '../engine/events.js';

/** Build a JSON-lines renderer. */
export function createJsonRenderer(write: (text: string) => void, runId: string): (event: EngineEvent) => void {
  return (event) => write(`${JSON.stringify({ runId, ...event })}\n`);
}

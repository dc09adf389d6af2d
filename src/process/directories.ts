/** Creating the directories logs and outputs go to, once per process rather than once per command. */
import { mkdirSync } from 'node:fs';

const known = new Set<string>();

/** Make sure `dir` exists (mode 0700 for what golive creates: output may be sensitive). */
export function ensureDirectory(dir: string): void {
  if (known.has(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  known.add(dir);
}

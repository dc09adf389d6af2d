import { readFileSync } from 'node:fs';

/** golive's own version, from package.json (two folders up from the bundle, as from src/cli). */
export function goliveVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

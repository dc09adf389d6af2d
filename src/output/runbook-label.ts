/** The runbook as people name it: `webshop-release 2.4.0`, or just its name when it has no version. */
export function runbookLabel(name: string, version?: string | null): string {
  return version ? `${name} ${version}` : name;
}

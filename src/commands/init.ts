/** `golive init [file]`: a commented starter runbook that validates as written. */
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { schemaPath } from '../runbook/schema-validator.js';

/** Write the starter runbook; refuses to overwrite an existing file. */
export async function initCommand(file: string, options: { name?: string }): Promise<number> {
  const target = resolve(file);
  const name = (options.name ?? basename(file, extname(file))).replace(/[^A-Za-z0-9._-]/g, '-') || 'release';
  let schemaRef = relative(dirname(target), schemaPath()).split('\\').join('/');
  if (!schemaRef.startsWith('.')) schemaRef = `./${schemaRef}`;
  try {
    writeFileSync(target, starterRunbook(name, schemaRef), { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${file} already exists; golive init never overwrites a file`, 'name another file: golive init other.yaml');
    throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
  }
  process.stdout.write(`Wrote ${file}. Next:\n  golive validate ${file}\n  golive plan ${file} --env uat\n  golive run ${file} --env uat\n`);
  return ExitCode.Ok;
}

/** The starter text: every section of the format, commented. */
function starterRunbook(name: string, schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
# A golive runbook. Check it with \`golive validate\`, see what would run with
# \`golive plan --env uat\`, rehearse it in UAT, then run it on the day.
golive: 1                      # format version
name: ${name}
version: 1.0.0                 # what is being released
description: What this release changes
change: CHG-0000               # change request id, recorded with every run

team:                          # roles -> people; steps name an owner role
  deployment-lead: { name: Your Name, contact: "#deploy-bridge" }
  devops: { name: Someone Else }

environments:
  uat: { vars: { base_url: "http://127.0.0.1:8080" } }
  production: { vars: { base_url: "https://example.com" }, protected: true }

vars:
  release: 1.0.0

defaults: { shell: bash, timeout: 10m }

checks:                        # pre-deployment checklist -> GO / CONDITIONAL GO / NO-GO
  - id: change-approved
    confirm: Is the change request approved?
  - id: disk-space
    run: test "$(df --output=avail . | tail -1)" -gt 100000
    blocking: false            # a failure gives CONDITIONAL GO, with the reason recorded

steps:
  - id: deploy
    title: Deploy the application
    owner: devops
    run: echo "deploying {{ vars.release }} to {{ environment }}"
    duration: 1m               # expected; the actual time is measured and compared
    timeout: 5m
    retry: { attempts: 2, delay: 10s }
    validate: echo "check {{ vars.base_url }}/health here"
    rollback: echo "redeploy the previous release here"

verify:                        # smoke tests after the deployment
  - id: smoke
    run: echo "curl -fsS {{ vars.base_url }}/ here"
    severity: critical         # critical: roll back; major: ask; minor: record and go on
`;
}

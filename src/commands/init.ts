/**
 * `golive init [file]`: a commented starter runbook that validates as
 * written, and the schema its editor line points at.
 *
 * The `$schema` line must work for a teammate who clones the repository, so
 * it never points into wherever golive happens to be installed: init keeps a
 * copy of the schema in the project, `.golive/runbook.schema.json` at the
 * repository root (or beside the runbook outside a repository), with a
 * `.golive/.gitignore` that commits the schema and keeps the journal and
 * logs out of git. `golive schema --write` refreshes the copy after an upgrade.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { repositoryRootOf } from '../journal/journal-path.js';
import { schemaPath } from '../runbook/schema-validator.js';
import { writeSchemaCopy } from './schema.js';

/** Where the project's schema copy lives, relative to the project root. */
export const PROJECT_SCHEMA = join('.golive', 'runbook.schema.json');

/** What `.golive/` keeps in git: the schema and this file; the journal and logs stay local. */
const GOLIVE_GITIGNORE =
  '# golive: the journal, step logs and spool stay local; the runbook schema and the project settings (config) are shared\n*\n!.gitignore\n!runbook.schema.json\n!config\n';

/** Write the starter runbook (never overwriting one) and the project's schema copy. */
export async function initCommand(file: string, options: { name?: string }): Promise<number> {
  const target = resolve(file);
  const name = (options.name ?? basename(file, extname(file))).replace(/[^A-Za-z0-9._-]/g, '-') || 'release';
  const schemaFile = join(repositoryRootOf(dirname(target)) ?? dirname(target), PROJECT_SCHEMA);
  let schemaRef = relative(dirname(target), schemaFile).split('\\').join('/');
  if (!schemaRef.startsWith('../')) schemaRef = `./${schemaRef}`;
  try {
    writeFileSync(target, starterRunbook(name, schemaRef), { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${file} already exists; golive init never overwrites a file`, 'name another file: golive init other.yaml');
    throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
  }
  const shownSchema = relative(process.cwd(), schemaFile) || schemaFile;
  const schemaNote = ensureSchemaCopy(schemaFile, shownSchema);
  process.stdout.write(`Wrote ${file}${schemaNote}. Next:\n  golive validate ${file}\n  golive plan ${file} --env uat\n  golive run ${file} --env uat\n`);
  return ExitCode.Ok;
}

/** Write the schema copy and `.golive/.gitignore` when missing; say what was done (or what to run to update a differing copy). */
function ensureSchemaCopy(schemaFile: string, shown: string): string {
  const text = readFileSync(schemaPath(), 'utf8');
  const gitignore = join(dirname(schemaFile), '.gitignore');
  if (!existsSync(schemaFile)) {
    writeSchemaCopy(schemaFile, text, shown);
    if (!existsSync(gitignore)) writeFileSync(gitignore, GOLIVE_GITIGNORE);
    return ` and ${shown} (commit it: editors of everyone who clones the repository read it)`;
  }
  if (readFileSync(schemaFile, 'utf8') !== text) return ` (${shown} is from another golive version: update it with \`golive schema --write ${shown}\`)`;
  return '';
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

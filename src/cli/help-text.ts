/**
 * What `--help` adds to the flags commander lists: the commands grouped by
 * what an operator is doing, and real command lines to copy for each.
 */
import type { Command } from 'commander';

/** The groups of the top-level help, in order, with their commands. */
const GROUPS: Array<[heading: string, commands: string[]]> = [
  ['Deploy:', ['run', 'check', 'rehearse', 'rollback', 'resume', 'approve', 'reject']],
  ['Inspect:', ['status', 'history', 'show', 'report', 'estimate', 'audit']],
  ['Author:', ['init', 'validate', 'plan', 'schema', 'completion']],
];

// biome-ignore lint/suspicious/noTemplateCurlyInString: zsh's own ${fpath[1]}, in a command line to copy
const ZSH_INSTALL = 'golive completion zsh > "${fpath[1]}/_golive"';

/** Two to four command lines per command, shown under "Examples:" in its help. */
const EXAMPLES: Record<string, string[]> = {
  run: [
    'golive run runbooks/webshop-release.yaml --env uat',
    'golive run runbooks/webshop-release.yaml --env production --override-window "hotfix CHG-20490"',
    'golive run runbook.yaml --env uat --dry-run          # executes nothing; lists every problem',
    'golive run runbook.yaml --env uat --json > run.jsonl  # one JSON event per line',
  ],
  check: ['golive check runbooks/webshop-release.yaml --env production', 'golive check runbook.yaml --env uat --yes   # approve the manual checks'],
  rehearse: ['golive rehearse runbooks/webshop-release.yaml --env uat', 'golive rehearse runbook.yaml --env uat --yes --var release=2.4.1'],
  rollback: [
    'golive rollback 01J9Z3K2M4      # a run id, or a unique prefix of one (see golive history)',
    'golive rollback --runbook webshop-release --env production',
    'golive rollback 01J9Z3K2M4 --rerun-in-doubt   # after checking an undo a killed rollback left in doubt',
  ],
  resume: ['golive resume 01J9Z3K2M4', 'golive resume --runbook webshop-release --env uat --rerun-in-doubt'],
  approve: [
    'golive approve 01J9Z3K2M4 migrate --comment "backup verified"   # the run waits at step migrate',
    'GOLIVE_DB=postgres://liwei@db.example.com/golive golive approve 01J9Z3K2M4 production   # from another machine',
  ],
  reject: [
    'golive reject 01J9Z3K2M4 migrate --reason "the backup is from yesterday"',
    'golive reject 01J9Z3K2M4 production --reason "outside the change window"',
  ],
  status: ['golive status                  # the live run, else the latest', 'golive status --watch --interval 10s', 'golive status 01J9Z3K2M4 --json'],
  history: ['golive history', 'golive history --runbook webshop-release --env production --limit 5'],
  show: ['golive show 01J9Z3K2M4', 'golive show 01J9Z3K2M4 --json'],
  report: [
    'golive report 01J9Z3K2M4',
    'golive report 01J9Z3K2M4 --format html -o release-report.html',
    'golive report 01J9Z3K2M4 --format junit -o golive-junit.xml',
  ],
  estimate: ['golive estimate runbooks/webshop-release.yaml --env uat', 'golive estimate runbook.yaml --env uat --write   # updates only the duration: values'],
  audit: ['golive audit verify', 'golive audit export --run 01J9Z3K2M4 > run-events.jsonl'],
  logs: ['golive logs prune --older-than 90d --dry-run   # lists what would go', 'golive logs prune --older-than 90d'],
  init: ['golive init', 'golive init runbooks/billing-release.yaml --name billing-release'],
  schema: [
    'golive schema --write .golive/runbook.schema.json   # after upgrading golive: refresh the copy editors read',
    'golive schema > runbook.schema.json',
  ],
  validate: ['golive validate runbooks/*.yaml', 'golive validate runbook.yaml --env production --json'],
  plan: ['golive plan runbooks/webshop-release.yaml --env production', 'golive plan runbook.yaml --env uat --var release=2.4.1 --json'],
  completion: ['golive completion bash > /etc/bash_completion.d/golive', 'source <(golive completion bash)   # this shell only', ZSH_INSTALL],
};

/** Group the registered commands (deploy first: what an operator reaches for) and give each its examples. */
export function addHelpText(program: Command): void {
  const order = GROUPS.flatMap(([, names]) => names);
  const rank = (c: Command) => (order.includes(c.name()) ? order.indexOf(c.name()) : order.length);
  // The help lists groups in the order their first command was registered.
  (program.commands as Command[]).sort((a, b) => rank(a) - rank(b));
  for (const [heading, names] of GROUPS) {
    for (const name of names) program.commands.find((c) => c.name() === name)?.helpGroup(heading);
  }
  for (const command of program.commands) {
    const examples = EXAMPLES[command.name()];
    if (examples) command.addHelpText('after', `\nExamples:\n${examples.map((line) => `  $ ${line}`).join('\n')}\n`);
  }
}

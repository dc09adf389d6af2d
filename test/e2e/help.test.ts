/** `--help` as a newcomer reads it: commands grouped by what one is doing, and examples to copy. */
import { describe, expect, it } from 'vitest';
import { runGolive } from './helpers.js';

describe.concurrent('golive --help', () => {
  it('groups the commands: deploy, then inspect, then author', async () => {
    const help = await runGolive(['--help']);
    expect(help.code).toBe(0);
    const headings = help.stdout.split('\n').filter((line) => /^(Deploy|Inspect|Author):$/.test(line));
    expect(headings).toEqual(['Deploy:', 'Inspect:', 'Author:']);
    const section = (name: string) => help.stdout.split(`${name}:\n`)[1].split('\n\n')[0];
    expect(
      section('Deploy')
        .match(/^ {2}(\w+)/gm)!
        .map((s) => s.trim()),
    ).toEqual(['run', 'check', 'rehearse', 'rollback', 'resume', 'approve', 'reject']);
    expect(
      section('Inspect')
        .match(/^ {2}(\w+)/gm)!
        .map((s) => s.trim()),
    ).toEqual(['status', 'history', 'show', 'report', 'estimate', 'audit']);
    expect(help.stdout).not.toContain('__complete');
  });

  it('every command has two to four examples that use the command', async () => {
    for (const command of [
      'run',
      'check',
      'rehearse',
      'rollback',
      'resume',
      'approve',
      'reject',
      'status',
      'history',
      'show',
      'report',
      'estimate',
      'audit',
      'init',
      'validate',
      'plan',
      'schema',
      'completion',
    ]) {
      const help = await runGolive([command, '--help']);
      expect(help.code, command).toBe(0);
      const examples =
        help.stdout
          .split('Examples:\n')[1]
          ?.split('\n')
          .filter((line) => line.startsWith('  $ ')) ?? [];
      expect(examples.length, `${command}\n${help.stdout}`).toBeGreaterThanOrEqual(2);
      expect(examples.length, command).toBeLessThanOrEqual(4);
      for (const line of examples) expect(line, command).toMatch(new RegExp(`golive ${command}\\b`));
    }
  });
});

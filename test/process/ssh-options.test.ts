import { describe, expect, it } from 'vitest';
import { checkArguments, closeArguments, commandArguments, describeTarget, sshFailureCause } from '../../src/process/ssh-options.ts';

describe("ssh's messages", () => {
  it("keep ssh's words, without the prefixes that repeat the target", () => {
    expect(sshFailureCause('ssh: connect to host 10.0.0.5 port 2201: Connection refused\n')).toBe('Connection refused');
    expect(sshFailureCause('deploy@10.0.0.5: Permission denied (publickey,password).\n')).toBe('Permission denied (publickey,password)');
    expect(sshFailureCause('ssh: Could not resolve hostname web1.invalid: Name or service not known\n')).toBe(
      'could not resolve the host name: Name or service not known',
    );
    const changed = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'Host key for [127.0.0.1]:2201 has changed and you have requested strict checking.',
      'Host key verification failed.',
      '',
    ].join('\n');
    expect(sshFailureCause(changed)).toBe('Host key verification failed');
    expect(sshFailureCause('debug1: Reading configuration data /etc/ssh/ssh_config\n')).toBe('');
    expect(sshFailureCause('')).toBe('');
  });

  it('name the target by its runbook name and address', () => {
    expect(describeTarget({ name: 'web1', host: '10.0.0.5', port: 2201, user: 'deploy' })).toBe('web1 (deploy@10.0.0.5:2201)');
    expect(describeTarget({ name: 'web1', host: 'web1.example.com' })).toBe('web1 (web1.example.com)');
    expect(describeTarget({ name: 'db.example.com', host: 'db.example.com' })).toBe('db.example.com');
  });
});

describe('the ssh command line', () => {
  const target = { name: 'web1', host: '-oProxyCommand=touch /tmp/pwned', port: 2201, user: 'deploy' };

  it('puts the host after --, so that no host name is read as an option', () => {
    for (const args of [commandArguments(target, {}, '/tmp/c', '/tmp/log'), closeArguments(target, {}, '/tmp/c'), checkArguments(target, {}, '/tmp/log')]) {
      expect(args.slice(-2)).toEqual(['--', target.host]);
      expect(args).toContain('BatchMode=yes');
      expect(args.join(' ')).not.toMatch(/StrictHostKeyChecking/);
    }
  });

  it('passes the configuration file, user and port, and shares connections through the private directory', () => {
    const args = commandArguments(target, { configFile: '/etc/golive/ssh_config' }, '/tmp/golive-ssh-0', '/tmp/golive-ssh-0/log-1');
    expect(args.slice(0, 2)).toEqual(['-F', '/etc/golive/ssh_config']);
    expect(args).toEqual(
      expect.arrayContaining(['-T', 'ControlMaster=auto', `ControlPath=/tmp/golive-ssh-0/${process.pid}-%C`, '-l', 'deploy', '-p', '2201', '-E']),
    );
    expect(checkArguments(target, {}, '/tmp/log')).toEqual(expect.arrayContaining(['ControlMaster=no', 'ControlPath=none']));
  });
});

import { readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessRunner, shellArguments } from '../../src/process/runner.ts';
import type { OutputStream } from '../../src/process/types.ts';
import { bashSpec, makeTempDir } from './helpers.ts';

const runner = createProcessRunner();
let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

/** Collects onOutput calls per stream. */
function collector() {
  const calls: Array<{ stream: OutputStream; text: string }> = [];
  return {
    calls,
    onOutput: (stream: OutputStream, text: string) => calls.push({ stream, text }),
    text: (stream: OutputStream) =>
      calls
        .filter((call) => call.stream === stream)
        .map((call) => call.text)
        .join(''),
  };
}

/** The output of `seq 1 n`, as the shell prints it. */
function seqOutput(n: number): string {
  return `${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\n`;
}

describe('running a command', () => {
  it('succeeds with exit 0 and streams its lines in order', async () => {
    const out = collector();
    const result = await runner.start(bashSpec('for i in 1 2 3; do echo line$i; sleep 0.02; done'), out.onOutput).result;
    expect(result).toMatchObject({ exitCode: 0, signal: null, ok: true, timedOut: false, stopped: false });
    expect(result.spawnError).toBeUndefined();
    expect(out.text('stdout')).toBe('line1\nline2\nline3\n');
    expect(out.calls.length).toBeGreaterThanOrEqual(2); // streamed, not delivered at the end in one piece
    for (const call of out.calls) expect(call.text.endsWith('\n')).toBe(true);
    expect(result.head).toBe('line1\nline2\nline3\n');
    expect(result.tail).toBe('');
    expect(result.outputBytes).toBe(18);
    expect(result.endedAt.getTime()).toBeGreaterThanOrEqual(result.startedAt.getTime());
    expect(result.durationMs).toBeGreaterThan(40);
  });

  it('reports a non-zero exit', async () => {
    const result = await runner.start(bashSpec('echo before; exit 7')).result;
    expect(result).toMatchObject({ exitCode: 7, ok: false, timedOut: false, stopped: false });
    expect(result.head).toBe('before\n');
  });

  it('runs bash with -e: the first failing command ends the script', async () => {
    const result = await runner.start(bashSpec('false; echo after')).result;
    expect(result.exitCode).toBe(1);
    expect(result.head).toBe('');
  });

  it('runs bash with -o pipefail, sh without it', async () => {
    expect((await runner.start(bashSpec('false | true')).result).exitCode).toBe(1);
    expect((await runner.start(bashSpec('false | true', { shell: 'sh' })).result).exitCode).toBe(0);
    const sh = await runner.start(bashSpec('false; echo after', { shell: 'sh' })).result;
    expect(sh.exitCode).toBe(1);
    expect(sh.head).toBe('');
  });

  it('builds the shell command line per shell: flags, then the script path', () => {
    expect(shellArguments('bash', '/proc/1/fd/9')).toEqual(['-e', '-o', 'pipefail', '/proc/1/fd/9']);
    expect(shellArguments('sh', '/proc/1/fd/9')).toEqual(['-e', '/proc/1/fd/9']);
    expect(shellArguments('zsh', '/proc/1/fd/9')).toEqual(['/proc/1/fd/9']);
  });

  it('captures stdout and stderr separately and both in head', async () => {
    const out = collector();
    const result = await runner.start(bashSpec('echo out; echo err >&2; echo out2'), out.onOutput).result;
    expect(out.text('stdout')).toBe('out\nout2\n');
    expect(out.text('stderr')).toBe('err\n');
    expect(result.head.split('\n').sort()).toEqual(['', 'err', 'out', 'out2']);
    expect(result.outputBytes).toBe(13);
  });

  it('delivers a last line without a newline at the end', async () => {
    const out = collector();
    await runner.start(bashSpec("printf 'a\\nno-newline'"), out.onOutput).result;
    expect(out.calls.map((call) => call.text)).toEqual(['a\n', 'no-newline']);
  });

  it('passes process.env plus spec.env, runs in cwd, and gives no stdin', async () => {
    process.env.GOLIVE_TEST_INHERITED = 'from-parent';
    process.env.GOLIVE_TEST_OVERRIDDEN = 'from-parent';
    try {
      // The environment is the one golive had when the runner was made.
      const result = await createProcessRunner().start(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions, for bash
        bashSpec('echo "$GOLIVE_TEST_VAR|$GOLIVE_TEST_INHERITED|$GOLIVE_TEST_OVERRIDDEN|${GOLIVE_OUTPUT-unset}|$(pwd)"; cat; echo "stdin:$?"', {
          cwd: temp.dir,
          env: { GOLIVE_TEST_VAR: 'value with spaces', GOLIVE_TEST_OVERRIDDEN: 'overridden' },
        }),
      ).result;
      expect(result.head).toBe(`value with spaces|from-parent|overridden|unset|${realpathSync(temp.dir)}\nstdin:0\n`);
    } finally {
      delete process.env.GOLIVE_TEST_INHERITED;
      delete process.env.GOLIVE_TEST_OVERRIDDEN;
    }
  });

  it('keeps a bounded head and tail of a big output and counts every byte', async () => {
    const n = 700_000; // about 4.8 MB
    const expected = seqOutput(n);
    let streamed = 0;
    const result = await runner.start(bashSpec(`seq 1 ${n}`), (_stream, text) => (streamed += text.length)).result;
    expect(result.ok).toBe(true);
    expect(result.outputBytes).toBe(expected.length);
    expect(streamed).toBe(expected.length);
    expect(result.head).toBe(expected.slice(0, 65_536));
    expect(result.tail).toBe(expected.slice(-65_536));
  });

  it('keeps memory bounded for 200 MB of output on one line without a newline', async () => {
    const size = 200_000_000;
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    let streamed = 0;
    const spec = bashSpec(`head -c ${size} /dev/zero | tr '\\0' y`, { secrets: ['not-there'] });
    const result = await runner.start(spec, (_stream, text) => (streamed += text.length)).result;
    clearInterval(sampler);
    expect(result).toMatchObject({ ok: true, outputBytes: size, head: 'y'.repeat(65_536), tail: 'y'.repeat(65_536) });
    expect(streamed).toBe(size);
    // Buffering the line would add at least 200 MB.
    expect(peak - baseline).toBeLessThan(80_000_000);
  });

  it('honours keepBytes', async () => {
    const result = await runner.start(bashSpec("printf 'abcdefghijklmnop'", { keepBytes: 5 })).result;
    expect(result).toMatchObject({ head: 'abcde', tail: 'lmnop', outputBytes: 16 });
  });

  it('writes the full masked output to the log, creating its directories and appending', async () => {
    const logPath = join(temp.dir, 'logs', 'run-1', 'step.log');
    const spec = bashSpec('seq 1 100000; echo "token=hunter2-xyz"', { logPath, secrets: ['hunter2-xyz'], keepBytes: 100 });
    const result = await runner.start(spec).result;
    expect(result.ok).toBe(true);
    const expected = `${seqOutput(100_000)}token=***\n`;
    expect(readFileSync(logPath, 'utf8')).toBe(expected);
    expect(result.tail).toBe(expected.slice(-100));
    await runner.start(bashSpec('echo second', { logPath })).result;
    expect(readFileSync(logPath, 'utf8')).toBe(`${expected}second\n`);
  });

  it('goes on without a log when the log cannot be written, and says so', async () => {
    writeFileSync(join(temp.dir, 'file'), '');
    const out = collector();
    const result = await runner.start(bashSpec('echo hi', { logPath: join(temp.dir, 'file', 'step.log') }), out.onOutput).result;
    expect(result.ok).toBe(true);
    expect(out.text('stdout')).toBe('hi\n');
    expect(out.text('stderr')).toMatch(/^golive: cannot write the log file .*file\/step\.log: /);
  });
});

describe('masking', () => {
  it('masks secrets in onOutput, the log, head and tail, even split across two writes', async () => {
    const logPath = join(temp.dir, 'step.log');
    const out = collector();
    const spec = bashSpec("printf 'sup'; sleep 0.1; printf 'ersecret\\n'; echo 'err supersecret' >&2; seq 1 200; echo 'end token-42'", {
      logPath,
      secrets: ['supersecret', 'token-42', ''],
      keepBytes: 20,
    });
    const result = await runner.start(spec, out.onOutput).result;
    expect(out.text('stdout')).toBe(`***\n${seqOutput(200)}end ***\n`);
    expect(out.text('stderr')).toBe('err ***\n');
    const log = readFileSync(logPath, 'utf8');
    expect(log).not.toContain('supersecret');
    expect(log).not.toContain('token-42');
    expect(log).toContain('***\n');
    // Two pipes: whether stdout's or stderr's first line is read first is up to the OS.
    expect(result.head).toMatch(/^(\*\*\*|err \*\*\*)\n/);
    expect(result.head).not.toMatch(/sup|ersecret|token-42/);
    expect(result.tail).toMatch(/(end|err) \*\*\*\n$/);
    expect(result.tail).not.toMatch(/supersecret|token-42/);
    expect(result.outputBytes).toBe(`supersecret\nerr supersecret\n${seqOutput(200)}end token-42\n`.length);
  });

  it('masks each line of a multi-line secret printed separately', async () => {
    const out = collector();
    const secret = 'BEGIN-KEY\nmiddle-of-key\nEND-KEY';
    await runner.start(bashSpec('echo "a BEGIN-KEY"; sleep 0.05; echo "middle-of-key"; echo "END-KEY z"', { secrets: [secret] }), out.onOutput).result;
    expect(out.text('stdout')).toBe('a ***\n***\n*** z\n');
  });
});

describe('spawn failures', () => {
  it('resolves with spawnError for a missing cwd', async () => {
    const missing = join(temp.dir, 'does-not-exist');
    const running = runner.start(bashSpec('echo hi', { cwd: missing, captureOutputs: true }));
    expect(running.pid).toBeUndefined();
    const result = await running.result;
    expect(result).toMatchObject({ exitCode: null, signal: null, ok: false, head: '', outputBytes: 0, outputs: {} });
    expect(result.spawnError).toBe(`the working directory ${missing} does not exist`);
    running.terminate(); // safe on a command that never started
    running.kill();
  });

  it('resolves with spawnError for a missing shell', async () => {
    const result = await runner.start(bashSpec('echo hi', { shell: 'golive-no-such-shell' })).result;
    expect(result).toMatchObject({ exitCode: null, ok: false, spawnError: 'the shell golive-no-such-shell was not found' });
  });

  it('resolves with spawnError for a command the OS cannot take (NUL byte)', async () => {
    const result = await runner.start(bashSpec('echo \0')).result;
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toMatch(/null bytes/);
  });

  it('removes the outputs file when the command never started', async () => {
    const before = new Set(listOutputFiles());
    await runner.start(bashSpec('true', { cwd: join(temp.dir, 'missing'), captureOutputs: true })).result;
    expect(listOutputFiles().filter((name) => !before.has(name))).toEqual([]);
  });
});

function listOutputFiles(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('golive-output-'));
}

describe('output past the streamed part', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('is logged and counted in full, masked as bytes, announced once, and never streamed as text', async () => {
    const secret = 's3cr3t-TOKEN-value';
    const logPath = join(tmp.dir, 'big.log');
    // 3 MB of lines, a secret split across two writes in the middle and one at the very end.
    const command =
      `for i in $(seq 1 30000); do printf '%099d\\n' $i; done; printf 's3cr3t-TO'; sleep 0.05; printf 'KEN-value\\n'; ` +
      `for i in $(seq 1 20000); do printf '%099d\\n' $i; done; echo "last ${secret}"`;
    const streamed: string[] = [];
    const result = await createProcessRunner().start(bashSpec(command, { secrets: [secret], logPath, streamBytes: 100_000 }), (_s, text) => streamed.push(text))
      .result;
    expect(result.ok).toBe(true);
    const expectedBytes = 30000 * 100 + secret.length + 1 + 20000 * 100 + `last ${secret}\n`.length;
    expect(result.outputBytes).toBe(expectedBytes);
    const log = readFileSync(logPath, 'utf8');
    expect(log).not.toContain('s3cr3t');
    expect(log.match(/\*\*\*/g)?.length).toBe(2);
    expect(log.split('\n').length).toBe(30000 + 20000 + 2 + 1);
    const text = streamed.join('');
    expect(text.length).toBeLessThan(200_000);
    expect(text.match(/golive shows the first/g)?.length).toBe(1);
    expect(text).toContain(logPath);
    expect(result.tail.endsWith('last ***\n')).toBe(true);
    // biome-ignore lint/style/useTemplate: the expected head reads as its parts
    expect(result.head.startsWith('0'.repeat(98) + '1\n')).toBe(true);
  });
});

// Shared helpers for the benchmarks: timing whole processes, medians, tables.
// Benchmarks are not tests: they print figures and compare against a
// baseline measured in the same run (this machine is shared and noisy).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let lockDir;
/** A private GOLIVE_LOCK_DIR: benchmarks run alongside tests and each other, with the same runbook names. */
function benchLockDir() {
  if (lockDir === undefined) {
    lockDir = mkdtempSync(join(tmpdir(), 'golive-bench-locks-'));
    process.on('exit', () => rmSync(lockDir, { recursive: true, force: true }));
  }
  return lockDir;
}

/**
 * CPU (user + sys, ms) of this process's waited-for children so far, from
 * /proc/self/stat (cutime, cstime; 10 ms ticks). The benches run one process
 * at a time, so the difference across one `timeProcess` is that child's CPU,
 * its own children included: on a shared machine it says what wall time cannot.
 */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5); fields[0] here is field 3.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** Run a command to completion; resolves with wall milliseconds, CPU milliseconds (user + sys) and peak RSS (KiB, from /proc while it runs). */
export function timeProcess(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs();
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'],
      cwd: options.cwd,
      env: { ...process.env, GOLIVE_LOCK_DIR: benchLockDir(), ...options.env },
    });
    let stderr = '';
    let peakKiB = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+)/.exec(status);
        if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      } catch {
        /* exited */
      }
    };
    const sampler = options.sampleRss ? setInterval(sample, 20) : undefined;
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (sampler) clearInterval(sampler);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const cpuMs = childrenCpuMs() - cpuBefore;
      if (code !== 0 && !options.allowFailure) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, cpuMs, peakKiB, code });
    });
  });
}

/** The median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Print rows as an aligned Markdown table. */
export function printTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(cells[0]));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Verdict text for a ratio against a target. */
export function verdict(ratio, target) {
  return ratio <= target ? `ok (≤ ${target}×)` : `OVER (target ≤ ${target}×)`;
}

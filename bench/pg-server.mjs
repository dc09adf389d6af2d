// A throwaway PostgreSQL server for the benchmarks: Debian's initdb + pg_ctl
// in a temporary directory on 127.0.0.1 and a free port, with password
// (SCRAM) authentication over TCP, as the tests' server
// (test/journal/postgres-server.ts). Durability settings are the server's
// defaults (fsync on), so the figures are those of a real server on loopback.
// Under root it runs as the unprivileged `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const asRoot = userInfo().uid === 0;

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) if (existsSync(join(root, version, 'bin', 'pg_ctl'))) return join(root, version, 'bin');
  throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install the postgresql package');
}

function asServerUser(binary, args) {
  const [command, fullArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  execFileSync(command, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Start a server; returns { url(database), createDatabase(), stop() }. Stopped on exit too. */
export async function startBenchServer() {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'golive-bench-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const password = randomBytes(9).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  const data = join(dir, 'data');
  asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'golive_bench',
    `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-instructions',
  ]);
  rmSync(pwfile);
  const port = await freePort();
  asServerUser(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`,
    'start',
  ]);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    const pgCtl = [join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop'];
    const [command, ...args] = asRoot ? ['runuser', '-u', 'postgres', '--', ...pgCtl] : pgCtl;
    spawnSync(command, args, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const url = (database) => `postgres://golive_bench:${password}@127.0.0.1:${port}/${database}`;
  let count = 0;
  const createDatabase = async (pg) => {
    const name = `golive_bench_${++count}`;
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    return name;
  };
  return { url, createDatabase, stop };
}

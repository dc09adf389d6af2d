/**
 * A real PostgreSQL server for the tests: Debian's `initdb` + `pg_ctl` in a
 * temporary directory, listening on 127.0.0.1 and a free port, with
 * password (SCRAM) authentication over TCP so a URL's password is really
 * checked. The server refuses to run as root, so under root it runs as the
 * unprivileged `postgres` user.
 *
 * One server per test file (`usePostgresServer()` registers beforeAll /
 * afterAll); it is stopped in afterAll and, should the worker die first, on
 * process exit. It never skips: a machine without the binaries fails the
 * tests (`.ci/run` installs the package).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** Where Debian's postgresql package puts the server binaries (the newest version installed). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install the postgresql package (.ci/run does)');
}

/** A person with a login role and a password on the test server. */
export interface TestRole {
  user: string;
  password: string;
}

/** A running server and what the tests need to reach it. */
export interface PostgresServer {
  port: number;
  /** The superuser's role and password. */
  admin: TestRole;
  /** A URL for `database` as `role` (default: the admin), password included. */
  url(database: string, role?: TestRole): string;
  /** Create a fresh, empty database owned by `owner` (default: the admin) and return its name. */
  createDatabase(owner?: TestRole): Promise<string>;
  /** Create a login role with a random password. */
  createRole(user: string): Promise<TestRole>;
  /** Take the server down (fast shutdown: connections are cut) and keep its data, as a restart or an outage does. */
  halt(): void;
  /** Start a halted server again on the same port with the same data. */
  restart(): void;
  /** Stop the server (fast shutdown) and remove its directory; idempotent. */
  stop(): void;
}

const asRoot = userInfo().uid === 0;

/** Run a server binary, as the unprivileged `postgres` user when we are root. */
function runAsServerUser(binary: string, args: string[]): void {
  const [command, fullArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  execFileSync(command, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Start a fresh server in a temporary directory. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'golive-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const admin: TestRole = { user: 'golive_admin', password: randomBytes(9).toString('hex') };
  const passwordFile = join(dir, 'admin-password');
  writeFileSync(passwordFile, `${admin.password}\n`, { mode: 0o644 });
  runAsServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    admin.user,
    `--pwfile=${passwordFile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  rmSync(passwordFile);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off`;
  let stopped = false;
  const pgCtlStop = (): void => {
    const pgCtl = [join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop'];
    const [command, ...args] = asRoot ? ['runuser', '-u', 'postgres', '--', ...pgCtl] : pgCtl;
    spawnSync(command, args, { stdio: 'ignore' });
  };
  const pgCtlStart = (): void => runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
  // Synchronous, so that it also works in an 'exit' handler.
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    pgCtlStop();
    rmSync(dir, { recursive: true, force: true });
  };
  // A worker that dies before afterAll must not leave a server behind.
  process.once('exit', stop);
  pgCtlStart();

  const url = (database: string, role: TestRole = admin): string =>
    `postgres://${encodeURIComponent(role.user)}:${encodeURIComponent(role.password)}@127.0.0.1:${port}/${database}`;
  const asAdmin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  let databases = 0;
  return {
    port,
    admin,
    url,
    async createDatabase(owner = admin) {
      const name = `golive_test_${process.pid}_${++databases}`;
      await asAdmin(`CREATE DATABASE ${name} OWNER ${owner.user}`);
      return name;
    },
    async createRole(user) {
      const role = { user, password: randomBytes(9).toString('hex') };
      await asAdmin(`CREATE ROLE ${user} LOGIN PASSWORD '${role.password}'`);
      return role;
    },
    halt: pgCtlStop,
    restart: pgCtlStart,
    stop() {
      stop();
      process.removeListener('exit', stop);
    },
  };
}

/**
 * Start one server for this test file (beforeAll) and stop it afterwards
 * (afterAll). Read `.current` inside tests and hooks.
 */
export function usePostgresServer(): { readonly current: PostgresServer } {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(() => {
    server?.stop();
  });
  return {
    get current(): PostgresServer {
      if (server === undefined) throw new Error('the PostgreSQL server is not started yet (use it inside tests or hooks)');
      return server;
    },
  };
}

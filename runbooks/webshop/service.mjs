// The webshop: a tiny HTTP service the release runbook deploys, migrates,
// reconfigures, restarts and rolls back. node:http only.
//
// Environment: STATE_DIR (absolute) and PORT. At start it reads its version
// from $STATE_DIR/releases/current/VERSION and its settings from
// $STATE_DIR/config.json, so a new release or config takes effect on restart.
// The "database" is $STATE_DIR/db.json, read on every request.
//
//   GET /health   200 {"status":"ok","version","schema","checkout_flow","pid"}; 503 if the database is unreadable
//   GET /version  200 the version, as text
//   GET /login    200 {"ok":true,"users":N}; 503 without users

import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const stateDir = process.env.STATE_DIR;
const port = Number(process.env.PORT);
if (!stateDir || !Number.isInteger(port)) {
  console.error('service.mjs: set STATE_DIR and PORT');
  process.exit(2);
}
const pidFile = join(stateDir, 'service.pid');
const version = readFileSync(join(stateDir, 'releases', 'current', 'VERSION'), 'utf8').trim();
const config = JSON.parse(readFileSync(join(stateDir, 'config.json'), 'utf8'));

function readDatabase() {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'db.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function send(res, status, body) {
  const text = typeof body === 'string' ? `${body}\n` : `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

const server = createServer((req, res) => {
  const db = readDatabase();
  switch (req.url) {
    case '/health':
      if (!db) return send(res, 503, { status: 'database unavailable', version });
      return send(res, 200, {
        status: 'ok',
        version,
        schema: db.schema,
        checkout_flow: config.checkout_flow,
        pid: process.pid,
      });
    case '/version':
      return send(res, 200, version);
    case '/login':
      if (!db?.users?.length) return send(res, 503, { ok: false });
      return send(res, 200, { ok: true, users: db.users.length });
    default:
      return send(res, 404, { error: 'not found' });
  }
});

server.listen(port, '127.0.0.1', () => {
  // Written only once listening, so "pid file present" means "serving".
  writeFileSync(`${pidFile}.tmp`, `${process.pid}\n`);
  renameSync(`${pidFile}.tmp`, pidFile);
  console.log(`${new Date().toISOString()} webshop ${version} listening on 127.0.0.1:${port} (pid ${process.pid})`);
});

server.on('error', (error) => {
  console.error(`${new Date().toISOString()} webshop ${version} cannot listen on ${port}: ${error.message}`);
  process.exit(1);
});

function shutdown(signal) {
  console.log(`${new Date().toISOString()} webshop ${version} stopping (${signal})`);
  server.close();
  server.closeAllConnections();
  try {
    if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) rmSync(pidFile);
  } catch {
    // Already gone.
  }
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

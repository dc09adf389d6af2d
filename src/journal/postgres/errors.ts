/**
 * Every way reaching or using a PostgreSQL journal can fail, as a
 * `JournalError` (exit 6) that names the journal by its masked location and
 * says what to do: the server is not there, the password is wrong, the
 * database does not exist, the role may not write. A password never appears
 * in a message: messages name `printableLocation(url)`, and the server's own
 * texts do not contain it.
 */
import { GoliveError, JournalDamagedError, JournalError, JournalUnreachableError } from '../../errors.js';

const OTHER_JOURNAL_HINT = 'use --db or GOLIVE_DB to pick another journal';

/** Server error classes (SQLSTATE) golive expects, by what they mean for the operator. */
const SqlState = {
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  databaseMissing: '3D000',
  insufficientPrivilege: '42501',
  tooManyConnections: '53300',
  lockNotAvailable: '55P03',
  readOnlyTransaction: '25006',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  diskFull: '53100',
  /** Raised by the journal's own triggers (see migrations.ts). */
  refusedChange: 'GL001',
} as const;

/** What pg's errors carry beyond a message: a SQLSTATE from the server, or a Node errno code. */
interface PgErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

/**
 * Turn a pg or socket failure into a `JournalError` naming `location` (the
 * masked URL) and a fix. Errors that are golive's own bugs (a syntax error,
 * a constraint golive should never break) are returned unchanged, to surface
 * as internal errors.
 */
export function journalErrorFrom(error: unknown, location: string, action: string): unknown {
  if (error instanceof GoliveError) return error;
  const { code, message } = (error ?? {}) as PgErrorLike;
  const detail = typeof message === 'string' && message !== '' ? message : String(error);
  const where = `the audit journal ${location}`;
  const make = (text: string, hint: string): JournalError => new JournalError(text, hint, error);
  // The server or the path to it is away, which may pass: a running deployment waits for it.
  const away = (text: string, hint: string): JournalError => new JournalUnreachableError(text, hint, error);

  // A connection refused on every address pg tried arrives as an AggregateError.
  const first = Array.isArray((error as PgErrorLike)?.errors) ? ((error as { errors: PgErrorLike[] }).errors[0] ?? {}) : {};
  const errno = typeof code === 'string' ? code : typeof first.code === 'string' ? first.code : undefined;

  switch (errno) {
    case 'ECONNREFUSED':
      return away(
        `cannot reach ${where}: the connection was refused`,
        'check that the PostgreSQL server is running and that the host and port in the URL are right',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(`cannot reach ${where}: its host name does not resolve`, 'check the host in the URL');
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return away(`cannot reach ${where}: ${detail}`, 'check the network path to the PostgreSQL server and the host and port in the URL');
    case 'ECONNRESET':
    case 'EPIPE':
      return away(`cannot ${action} ${where}: the connection to the server was lost`, 'check that the PostgreSQL server is up; then run the command again');
    case SqlState.invalidPassword:
    case SqlState.invalidAuthorization:
      return make(`cannot connect to ${where}: ${detail}`, 'check the user and password: in the URL, in PGPASSWORD, or in ~/.pgpass');
    case SqlState.databaseMissing:
      return make(`cannot connect to ${where}: ${detail}`, `create it once for the team (\`createdb ${databaseName(location)}\`), or ${OTHER_JOURNAL_HINT}`);
    case SqlState.insufficientPrivilege:
      return make(`cannot ${action} ${where}: ${detail}`, "ask the database owner to grant your role access to golive's tables");
    case SqlState.tooManyConnections:
      return make(`cannot connect to ${where}: ${detail}`, 'the server has no free connection; retry in a moment');
    case SqlState.lockNotAvailable:
      return make(
        `cannot ${action} ${where}: another writer held it for longer than the lock timeout`,
        'another golive is probably writing to it; retry in a moment',
      );
    case SqlState.readOnlyTransaction:
      return make(`cannot ${action} ${where}: the server only allows reading`, `connect to the primary server, or ${OTHER_JOURNAL_HINT}`);
    case SqlState.adminShutdown:
    case SqlState.crashShutdown:
    case SqlState.cannotConnectNow:
      return away(`cannot ${action} ${where}: the server is shutting down or starting up (${detail})`, 'retry when the PostgreSQL server is up again');
    case SqlState.diskFull:
      return make(`cannot ${action} ${where}: the server's disk is full`, 'ask the database administrator to free space on the server');
    case SqlState.refusedChange:
      return make(`cannot ${action} ${where}: ${detail}`, 'the journal is append-only; record a new event instead');
    case 'GL_DAMAGED':
      return new JournalDamagedError(location, detail, 'keep the database as evidence; restore it from a backup, or start a new journal with --db', error);
    default:
      break;
  }
  if (typeof message === 'string' && /connection timeout|timeout expired/i.test(message)) {
    return away(`cannot reach ${where}: the server did not answer in time`, 'check the network path to the PostgreSQL server and the host and port in the URL');
  }
  if (typeof message === 'string' && isConnectionLoss(message)) {
    return away(
      `cannot ${action} ${where}: the connection to the server was lost (${message})`,
      'check that the PostgreSQL server is up; then run the command again',
    );
  }
  if (typeof message === 'string' && /password must be a string|no password/i.test(message)) {
    return make(
      `cannot connect to ${where}: the server asks for a password and none was given`,
      'give it in the URL, in PGPASSWORD, or in ~/.pgpass (mode 0600)',
    );
  }
  // Syntax errors, undefined columns, broken constraints: golive's own bugs, surfaced as such.
  if (typeof errno === 'string' && /^(42|23|22|0A)/.test(errno)) return error;
  if (typeof errno === 'string') return make(`cannot ${action} ${where}: ${detail}`, OTHER_JOURNAL_HINT);
  return error;
}

/** pg's texts for a socket that closed under it. */
function isConnectionLoss(message: string): boolean {
  return /Connection terminated|Client has encountered a connection error|Client was closed|not queryable/i.test(message);
}

/** The database named by a journal URL, for the `createdb` hint. */
function databaseName(location: string): string {
  try {
    const name = decodeURIComponent(new URL(location).pathname.replace(/^\//, ''));
    return name === '' ? 'golive' : name;
  } catch {
    return 'golive';
  }
}

/** A row golive cannot read back (its stored event is not JSON): damage, reported like a damaged file. */
export class DamagedRowError extends Error {
  readonly code = 'GL_DAMAGED';
}

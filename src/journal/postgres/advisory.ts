/**
 * The transaction-level advisory locks the PostgreSQL journal serialises on.
 * Each is held only inside one short transaction, and the server releases it
 * at commit, at rollback, or when the connection dies, so a golive killed
 * half-way never leaves one behind.
 */

/** The first key of every golive advisory lock ("goli"), so other applications' locks on the same database do not collide. */
export const ADVISORY_CLASS = 0x676f6c69;

/** The second key: what the lock serialises. */
export const AdvisoryKey = {
  /** Applying migrations: one machine at a time. */
  Migrations: 1,
  /** Appending to the hash chain: read the head and write the next event, with no one in between. */
  Chain: 2,
  /** Deciding who holds a runbook's lock. */
  Locks: 3,
} as const;

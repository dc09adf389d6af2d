/** The journal contract, run against the SQLite journal: each journal a new file in a temp directory. */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { SqliteJournal } from '../../src/journal/sqlite/journal.ts';
import { describeJournalContract } from './contract.ts';
import { tempDir } from './helpers.ts';

describeJournalContract('SQLite', {
  identity: () => ({ user: userInfo().username, kind: 'os-user' }),
  async open(surroundings) {
    const path = join(tempDir(), '.golive', 'golive.db');
    return {
      journal: SqliteJournal.open(path, surroundings),
      connect: async (other) => SqliteJournal.open(path, other),
    };
  },
});

/**
 * The journal contract, run against the PostgreSQL journal on a real server
 * (started for this file): each journal a new, empty database.
 */
import { openPostgresJournal } from '../../src/journal/postgres/journal.ts';
import { describeJournalContract } from './contract.ts';
import { usePostgresServer } from './postgres-server.ts';

const server = usePostgresServer();

describeJournalContract('PostgreSQL', {
  identity: () => ({ user: server.current.admin.user, kind: 'database-role' }),
  async open(surroundings) {
    const url = server.current.url(await server.current.createDatabase());
    return {
      journal: await openPostgresJournal(url, surroundings),
      connect: (other) => openPostgresJournal(url, other),
    };
  },
});

/**
 * Test child for the SQLite durability test: appends to one document in
 * bursts of concurrent appends (so group commit batches them) and prints
 * `acked SEQ COUNTER` for each append as soon as it resolves (stdout on a
 * pipe is synchronous, so a printed ack was committed first). Runs until
 * killed. Usage: sqlite-append-child.ts DB_PATH DOC_ID
 */
import { parseDocId, parseWorkspaceId } from '@tendril/crdt-schema/ids';
import { openSqliteStore } from '../store/sqlite.ts';
import { AUTHOR, envelopeFor } from './durability.ts';

const [path, docText] = process.argv.slice(2);
const doc = parseDocId(docText);
const store = openSqliteStore({ path: path! });
await store.createDoc({ doc, workspace: parseWorkspaceId('AAAAAAAAAAAAAAAAAAAAAA'), writeKey: AUTHOR, readKey: AUTHOR });
let counter = 0;
for (;;) {
  const burst = Array.from({ length: 25 }, () => ++counter);
  await Promise.all(
    burst.map((c) =>
      store.append(doc, { author: AUTHOR, counter: c, envelope: envelopeFor(c) }).then((r) => {
        process.stdout.write(`acked ${r.seq} ${c}\n`);
      }),
    ),
  );
}

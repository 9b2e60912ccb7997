/**
 * Measures the cost of appending a message to a chat at 1k and at 40k
 * messages, for the chat schema (a Y.Map of message Y.Maps) and, as a
 * baseline, one ever-growing Y.Array of Y.Maps. A script, not a test:
 *
 *   node --import tsx crdt-schema/src/schema/measure-chat-append.ts
 */
import * as Y from 'yjs';
import type { DeviceId, MessageId } from '../ids.ts';
import { chatDoc } from './chat.ts';

const AUTHOR = 'A'.repeat(43) as DeviceId;
const BATCH = 1000;
const SIZES = [1_000, 40_000];

type Append = (i: number) => void;

/** Microseconds per append for BATCH appends once `size` messages exist. */
function perAppend(makeAppend: (doc: Y.Doc) => Append, size: number): number {
  const doc = new Y.Doc();
  doc.on('update', () => undefined); // a sync provider listens, so every transaction encodes its update
  const append = makeAppend(doc);
  for (let i = 0; i < size; i++) append(i);
  const start = performance.now();
  for (let i = size; i < size + BATCH; i++) append(i);
  return ((performance.now() - start) * 1000) / BATCH;
}

const schemaChat = (doc: Y.Doc): Append => {
  const chat = chatDoc(doc, { now: () => 1_700_000_000_000 });
  return (i) => {
    chat.addMessage({ id: `m${i.toString().padStart(21, '0')}` as MessageId, author: AUTHOR, role: i % 2 ? 'assistant' : 'user', content: 'hello there' });
  };
};

const arrayBaseline = (doc: Y.Doc): Append => {
  const list = doc.getArray<Y.Map<unknown>>('messages');
  return (i) => {
    doc.transact(() => {
      const m = new Y.Map<unknown>();
      list.push([m]);
      m.set('id', `m${i}`);
      m.set('author', AUTHOR);
      m.set('role', i % 2 ? 'assistant' : 'user');
      m.set('content', new Y.Text('hello there'));
      m.set('status', 'done');
      m.set('createdAt', 1_700_000_000_000);
    });
  };
};

perAppend(schemaChat, 2_000); // warm up the JIT
for (const [name, make] of [['chat schema (Y.Map of Y.Maps)', schemaChat], ['baseline (one Y.Array of Y.Maps)', arrayBaseline]] as const) {
  const [small, large] = SIZES.map((n) => perAppend(make, n)) as [number, number];
  console.log(`${name}: ${small.toFixed(1)} us/append at ${SIZES[0]}, ${large.toFixed(1)} us/append at ${SIZES[1]}, ratio ${(large / small).toFixed(2)}`);
}

const doc = new Y.Doc();
const chat = chatDoc(doc);
const append = schemaChat(doc);
for (let i = 0; i < SIZES[1]!; i++) append(i);
const ids = chat.messageIds();
let t = performance.now();
for (let i = 0; i < BATCH; i++) chat.appendContent(ids[(i * 37) % ids.length]!, 'tok ');
console.log(`appendContent at ${SIZES[1]}: ${(((performance.now() - t) * 1000) / BATCH).toFixed(1)} us/append`);
t = performance.now();
const transcript = chat.transcript();
console.log(`transcript() of ${transcript.length} messages: ${(performance.now() - t).toFixed(0)} ms; state ${(Y.encodeStateAsUpdate(doc).length / 1024).toFixed(0)} KiB`);

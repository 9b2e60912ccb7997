/**
 * A model provider for the proxy benchmark, alone in its own process so its
 * CPU is its own: `node --import tsx bench/lib/llm-upstream-child.ts CHUNKS`.
 * Answers POST .../chat/completions with an OpenAI-style SSE stream of CHUNKS
 * content chunks (each its own write, as a provider flushes tokens), a usage
 * chunk and `data: [DONE]`, at once: no model time, so what a client measures
 * is transport and whatever sits between it and this server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveRpc } from './rpc.ts';

const CHUNKS = Number(process.argv[2] ?? 20);

const chunk = (i: number): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: ` tok${i}` }, finish_reason: null }] })}\n\n`;
const TAIL =
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n` +
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS } })}\n\n` +
  'data: [DONE]\n\n';

let served = 0;
const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    served++;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    for (let i = 0; i < CHUNKS; i++) res.write(chunk(i));
    res.end(TAIL);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  serveRpc({ served: () => served }, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid }, () => new Promise<void>((resolve) => server.close(() => resolve())));
});

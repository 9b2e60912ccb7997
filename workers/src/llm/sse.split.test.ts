/** The SSE decoder gives the same events however the bytes are split: at every single split point, at every pair of them, and byte by byte. */
import { describe, expect, it } from 'vitest';
import { createSseDecoder, type SseEvent } from './sse.ts';

const STREAM =
  '\uFEFFevent: message_start\r\ndata: {"a":1}\r\n\r\n' +
  ': keep-alive comment\n\n' +
  'data: first line\ndata:second line\ndata:  two spaces\n\n' +
  'id: 7\revent: café ☕\rdata: snow ❄ and 🎉\r\r' +
  'data\n\n' +
  'event: empty-is-ignored\n\n' +
  'data: [DONE]';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"a":1}', id: undefined },
  { event: 'message', data: 'first line\nsecond line\n two spaces', id: undefined },
  { event: 'café ☕', data: 'snow ❄ and 🎉', id: '7' },
  { event: 'message', data: '', id: '7' },
  { event: 'message', data: '[DONE]', id: '7' },
];

const bytes = new TextEncoder().encode(STREAM);

function decode(cuts: number[]): SseEvent[] {
  const d = createSseDecoder();
  const out: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...d.push(bytes.subarray(from, cut)));
    from = cut;
  }
  return [...out, ...d.end()];
}

describe('SSE decoder', () => {
  it('decodes CRLF, CR and LF line ends, multi-line data, comments, names, ids and a BOM', () => {
    expect(decode([])).toEqual(EXPECTED);
  });

  it('gives the same events for every split point', () => {
    for (let i = 0; i <= bytes.length; i++) expect(decode([i]), `split at ${i}`).toEqual(EXPECTED);
  });

  it('gives the same events for every pair of split points', () => {
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const got = decode([i, j]);
        if (JSON.stringify(got) !== JSON.stringify(EXPECTED)) expect(got, `split at ${i} and ${j}`).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same events byte by byte', () => {
    expect(decode([...bytes.keys()].slice(1))).toEqual(EXPECTED);
  });

  it('hands out events as soon as their blank line arrives', () => {
    const d = createSseDecoder();
    expect(d.push('data: a\n')).toEqual([]);
    expect(d.push('\n')).toEqual([{ event: 'message', data: 'a', id: undefined }]);
    expect(d.push('data: b\r')).toEqual([]);
    expect(d.push('\r')).toEqual([{ event: 'message', data: 'b', id: undefined }]);
    expect(d.end()).toEqual([]);
  });
});

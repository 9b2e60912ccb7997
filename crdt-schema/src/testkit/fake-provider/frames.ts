/**
 * A deliberately simple reader for the fake provider's own tests: posts JSON
 * and splits a complete, well-formed SSE body into events. Clients under test
 * use their own parser; this one only has to read what the fake writes.
 */

export interface SseFrame {
  readonly event: string | undefined;
  readonly data: string;
  /** `data` parsed as JSON, or undefined for `[DONE]` and comments. */
  readonly json: unknown;
  readonly comment: boolean;
}

export function splitFrames(body: string): SseFrame[] {
  return body
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      const comment = lines.every((l) => l.startsWith(':'));
      let json: unknown;
      try {
        json = comment || data === '[DONE]' ? undefined : (JSON.parse(data) as unknown);
      } catch {
        json = undefined;
      }
      return { event, data, json, comment };
    });
}

export interface Posted {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly frames: SseFrame[];
}

/** POSTs `body` as JSON and reads the whole answer. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Posted> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, frames: splitFrames(text) };
}

/** Reads a streaming body until `needle` has been seen; throws if the stream ends first. */
export async function readUntil(body: ReadableStream<Uint8Array>, needle: string): Promise<string> {
  const reader = body.getReader();
  const utf8 = new TextDecoder();
  let seen = '';
  while (!seen.includes(needle)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before ${needle}: ${seen}`);
    seen += utf8.decode(value, { stream: true });
  }
  reader.releaseLock();
  return seen;
}

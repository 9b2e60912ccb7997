/**
 * A Server-Sent Events decoder after the WHATWG event-stream rules: lines end
 * in CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of
 * the next are one line end); `data:` lines of one event join with "\n";
 * comment lines (":") are skipped; `event:` names the event; bytes may split
 * anywhere, inside a line or a UTF-8 sequence. One deviation: a last event
 * not followed by a blank line is still delivered, since some servers end so.
 */

export interface SseEvent {
  /** The `event:` name, "message" when none was given. */
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen, if any. */
  readonly id: string | undefined;
}

export interface SseDecoder {
  /** Feeds bytes (or already decoded text); returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[];
  /** Ends the stream; returns a last, unterminated event if there is one. */
  end(): SseEvent[];
}

export function createSseDecoder(): SseDecoder {
  const utf8 = new TextDecoder('utf-8');
  let buffer = '';
  let pendingCr = false;
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let out: SseEvent[] = [];

  const dispatch = (): void => {
    if (data.length > 0) out.push({ event: event === '' ? 'message' : event, data: data.join('\n'), id });
    data = [];
    event = '';
  };

  const line = (text: string): void => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  };

  const feed = (text: string): void => {
    if (text === '') return;
    if (pendingCr) {
      pendingCr = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    buffer += text;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      line(buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === buffer.length) pendingCr = true;
        else if (buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    buffer = buffer.slice(start);
  };

  const take = (): SseEvent[] => {
    const done = out;
    out = [];
    return done;
  };

  return {
    push(chunk) {
      feed(typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true }));
      return take();
    },
    end() {
      feed(utf8.decode());
      if (buffer !== '') line(buffer);
      buffer = '';
      dispatch();
      return take();
    },
  };
}

/** Decodes a byte stream into SSE events. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = createSseDecoder();
  for await (const chunk of body) yield* decoder.push(chunk);
  yield* decoder.end();
}

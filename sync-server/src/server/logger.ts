/**
 * The relay's logger: structured events, one line each. Injected, so tests run
 * silent and the program decides where lines go. Log payloads carry ids,
 * sizes and codes only, never envelope bytes.
 */

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** JSON lines to `write` (for example `(l) => process.stderr.write(l)`). */
export function jsonLogger(write: (line: string) => void, now: () => number = Date.now): Logger {
  const emit = (level: string) => (event: string, fields: LogFields = {}) =>
    write(`${JSON.stringify({ t: new Date(now()).toISOString(), level, event, ...fields })}\n`);
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/**
 * Secrets from standard input instead of the command line, where any local
 * user could read them in `ps`: a `-` in place of a message or an invite
 * link means "read it from stdin".
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { CliIo } from './context.ts';

/** Everything on a stream until it ends, as UTF-8. */
export async function readAll(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Standard input without its final line ending; refuses when there is no stdin or it is empty. */
export async function stdinText(io: CliIo, what: string): Promise<string> {
  if (!io.readStdin) throw new TendrilError('E_BAD_INPUT', `${what} was to be read from standard input, but none is available`);
  const text = (await io.readStdin()).replace(/\r?\n$/, '');
  if (text.trim() === '') throw new TendrilError('E_BAD_INPUT', `${what} on standard input is empty`);
  return text;
}

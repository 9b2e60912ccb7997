/**
 * Renders docs/ERRORS.md from the error table. Summaries, recovery rules and
 * the relay-misbehaviour flag come from `ERRORS` itself; the grouping comes
 * from the `// group` comment lines of errors.ts, the table's only other
 * structure. Shared by the generator script and the test that keeps the
 * document in step with the table.
 */
import type { ErrorInfo } from '../src/errors.ts';

export interface ErrorGroup {
  readonly title: string;
  readonly codes: readonly string[];
}

/** The groups of errors.ts in source order; throws if a code sits outside any group or the source and table disagree. */
export function errorGroups(source: string, table: Readonly<Record<string, ErrorInfo>>): ErrorGroup[] {
  const start = source.indexOf('export const ERRORS = {');
  const end = source.indexOf('} as const', start);
  if (start < 0 || end < 0) throw new Error('errors.ts: ERRORS table not found');
  const groups: { title: string; codes: string[] }[] = [];
  for (const line of source.slice(start, end).split('\n')) {
    const comment = /^\s*\/\/\s*(.+?)\s*$/.exec(line);
    if (comment) {
      const title = comment[1]!.split(':')[0]!.trim();
      groups.push({ title: title.charAt(0).toUpperCase() + title.slice(1), codes: [] });
      continue;
    }
    const code = /^\s*(E_[A-Z0-9_]+)\s*:/.exec(line);
    if (!code) continue;
    const group = groups.at(-1);
    if (group === undefined) throw new Error(`errors.ts: ${code[1]} comes before any group comment`);
    group.codes.push(code[1]!);
  }
  const listed = groups.flatMap((g) => g.codes);
  const keys = Object.keys(table);
  if (listed.length !== keys.length || listed.some((c, i) => c !== keys[i])) {
    throw new Error('errors.ts: the codes found in the source do not match the ERRORS table');
  }
  return groups;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderErrorsDoc(source: string, table: Readonly<Record<string, ErrorInfo>>): string {
  const out: string[] = [
    '# Error codes',
    '',
    '<!-- Generated from crdt-schema/src/errors.ts by `npx tsx crdt-schema/scripts/gen-errors-doc.ts`. Do not edit by hand: a test fails when this file and the table differ. -->',
    '',
    'Every failure a peer or the relay reports carries one of these stable codes (`TendrilError.code`), a sentence, and the recovery rule below. Codes never change meaning; new ones are added at the end of their group.',
    '',
    'A peer opens an envelope in a fixed order, and a bad envelope gets the code of the first check it fails: parse (`E_ENVELOPE_MALFORMED`), version (`E_ENVELOPE_VERSION`), document (`E_WRONG_DOC`), signature (`E_BAD_SIGNATURE`), author (`E_UNKNOWN_AUTHOR`), counter (`E_REPLAY`, `E_COUNTER_GAP`), epoch key (`E_UNKNOWN_EPOCH`), decryption (`E_DECRYPT_FAILED`); only then is the payload decoded (`E_DECODE_FAILED`).',
    '',
    'Codes marked **relay** are evidence that the relay misbehaved when the bytes came from it.',
  ];
  for (const group of errorGroups(source, table)) {
    out.push('', `## ${group.title}`, '', '| Code | What went wrong | Recovery |', '| --- | --- | --- |');
    for (const code of group.codes) {
      const info = table[code]!;
      const flag = info.relayMisbehaviour === true ? ' **relay**' : '';
      out.push(`| \`${code}\`${flag} | ${cell(info.summary)} | ${cell(info.recovery)} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

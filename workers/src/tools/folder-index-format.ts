/**
 * The text format of folder index entries: one chat message per indexed
 * file, written by the folder indexer plugin (workers/plugins/folder-indexer,
 * which writes the same format: keep them in step) and read by workspace
 * search. A changed file replaces its entry (an edit); a removed file's entry
 * is replaced by one with `removed:`.
 *
 *   file: notes/todo.md
 *   folder: /home/me/notes
 *   modified: 2025-01-02T10:00:00.000Z
 *   size: 1234
 *
 *   ...the file's text...
 */

export const INDEX_CHAT_PREFIX = 'Folder index: ';

export interface IndexEntry {
  /** Relative to the folder. */
  readonly file: string;
  readonly folder: string;
  readonly modified?: string;
  readonly removed?: string;
  readonly text: string;
}

export function parseIndexEntry(content: string): IndexEntry | undefined {
  if (!content.startsWith('file: ')) return undefined;
  const blank = content.indexOf('\n\n');
  const head = blank < 0 ? content : content.slice(0, blank);
  const fields = new Map<string, string>();
  for (const line of head.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
  }
  const file = fields.get('file');
  const folder = fields.get('folder');
  if (!file || !folder) return undefined;
  const modified = fields.get('modified');
  const removed = fields.get('removed');
  return { file, folder, ...(modified ? { modified } : {}), ...(removed ? { removed } : {}), text: blank < 0 ? '' : content.slice(blank + 2) };
}

/**
 * Turning files the user pasted, dropped or picked into attachments: the media type the file says,
 * or one from its name for the text formats browsers leave untyped (.md, source files), and the
 * reason when a file cannot be attached (too big, not an image or text). Nothing here reads more
 * than the file's name, type and size; the bytes are read only for a file that passed.
 */
import { attachmentProblem } from '@tendril/crdt-schema/schema';

const TEXT_EXTENSIONS: Record<string, string> = {
  md: 'text/markdown', markdown: 'text/markdown', txt: 'text/plain', log: 'text/plain', csv: 'text/csv', tsv: 'text/tab-separated-values',
  json: 'application/json', yaml: 'text/yaml', yml: 'text/yaml', toml: 'text/plain', xml: 'text/xml', html: 'text/html', css: 'text/css',
  js: 'text/javascript', ts: 'text/plain', py: 'text/x-python', rs: 'text/plain', go: 'text/plain', java: 'text/plain', c: 'text/plain',
  h: 'text/plain', cpp: 'text/plain', sh: 'text/plain', sql: 'text/plain', svelte: 'text/plain',
};

/** The media type to store for a file: its own when it is one we attach, else one from its extension. */
export function mediaTypeOf(file: { name: string; type: string }): string {
  const own = file.type.split(';')[0]!.trim().toLowerCase();
  if (own !== '' && attachmentProblem({ name: 'x', mime: own, size: 0 }) === undefined) return own;
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  return (ext && TEXT_EXTENSIONS[ext]) || own || 'application/octet-stream';
}

/** Why this file cannot be attached, or undefined. */
export function fileProblem(file: { name: string; type: string; size: number }): string | undefined {
  return attachmentProblem({ name: file.name || 'pasted file', mime: mediaTypeOf(file), size: file.size });
}

/** A pasted image often has no name ("image.png" at best): give it one. */
export const nameOf = (file: { name: string; type: string }): string => file.name || `pasted.${file.type.split('/')[1] ?? 'bin'}`;

export const sizeLabel = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Text of PDF and DOCX files for plugins (the folder indexer): the host reads
 * the file under the plugin's read-folder grant (as readFile does, real path
 * checked too) and extracts its text in a separate worker thread
 * (extract-thread.mjs) with a time and heap limit, so a hostile or broken
 * document costs one terminated thread, never the worker. The format is
 * taken from the extension and must match the file's first bytes.
 */
import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { AccessGate } from '../access-gate.ts';
import { absolutePath, type HostFs } from '../host-fs.ts';

const THREAD = new URL('./extract-thread.mjs', import.meta.url);

export const DOCUMENT_FORMATS = { '.pdf': 'pdf', '.docx': 'docx' } as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[keyof typeof DOCUMENT_FORMATS];

export const DOCUMENT_LIMITS = { maxBytes: 25_000_000, maxChars: 500_000, timeLimitMs: 30_000, memoryMb: 256 } as const;

export interface DocumentText {
  readonly text: string;
  readonly format: DocumentFormat;
  readonly size: number;
  readonly mtimeMs: number;
  /** The text was cut at the character limit. */
  readonly truncated: boolean;
  readonly pages?: number;
}

export interface ExtractLimits {
  readonly maxChars: number;
  readonly timeLimitMs: number;
  readonly memoryMb: number;
}

export function documentFormat(path: string): DocumentFormat | undefined {
  return (DOCUMENT_FORMATS as Record<string, DocumentFormat>)[extname(path).toLowerCase()];
}

const MAGIC: Record<DocumentFormat, number[]> = { pdf: [0x25, 0x50, 0x44, 0x46, 0x2d], docx: [0x50, 0x4b, 0x03, 0x04] };
const starts = (bytes: Uint8Array, magic: number[]): boolean => magic.every((b, i) => bytes[i] === b);

const failed = (message: string): never => {
  throw new TendrilError('E_BAD_INPUT', message);
};

/** Extracts the text of a PDF or DOCX in a thread of its own; rejects with E_BAD_INPUT when the file cannot be read as one. */
export async function extractDocumentText(bytes: Uint8Array, format: DocumentFormat, limits: Partial<ExtractLimits> = {}): Promise<{ text: string; truncated: boolean; pages?: number }> {
  const l = { maxChars: DOCUMENT_LIMITS.maxChars, timeLimitMs: DOCUMENT_LIMITS.timeLimitMs, memoryMb: DOCUMENT_LIMITS.memoryMb, ...limits };
  if (!starts(bytes, MAGIC[format])) failed(`the file is not a ${format.toUpperCase()} document`);
  return await new Promise((resolve, reject) => {
    const worker = new Worker(THREAD, {
      workerData: { format, bytes, maxChars: l.maxChars }, env: {}, execArgv: [], stdout: true, stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: l.memoryMb, maxYoungGenerationSizeMb: 32 },
    });
    // The parsers' own console output is not wanted here; drain it so it never backs up.
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => settle(() => reject(new TendrilError('E_BAD_INPUT', `extracting the ${format.toUpperCase()} text took longer than ${l.timeLimitMs} ms`))), l.timeLimitMs);
    worker.on('message', (m: { ok?: unknown; text?: unknown; truncated?: unknown; pages?: unknown; message?: unknown }) => settle(() => {
      if (m?.ok === true && typeof m.text === 'string') resolve({ text: m.text, truncated: m.truncated === true, ...(typeof m.pages === 'number' ? { pages: m.pages } : {}) });
      else reject(new TendrilError('E_BAD_INPUT', `the ${format.toUpperCase()} could not be read: ${String(m?.message ?? 'no text')}`.slice(0, 500)));
    }));
    worker.on('error', (e) => settle(() => reject(new TendrilError('E_BAD_INPUT', `the ${format.toUpperCase()} could not be read: ${e.message}`.slice(0, 500)))));
    worker.on('exit', () => settle(() => reject(new TendrilError('E_BAD_INPUT', `the ${format.toUpperCase()} reader stopped before finishing`))));
  });
}

/** readDocument for the plugin host: read-folder on the path (and its real path), then the text. */
export async function readDocument(fs: HostFs, gate: AccessGate, rawPath: unknown, limits: Partial<ExtractLimits> = {}): Promise<DocumentText> {
  const path = absolutePath(rawPath, 'path');
  const format = documentFormat(path) ?? failed(`${path} is not a PDF or DOCX file (by its extension)`);
  return gate.guard('read-folder', path, async () => {
    const real = await fs.realpath(path);
    if (real !== path) gate.require('read-folder', real, `real path of ${path}`);
    const s = await fs.stat(real);
    if (!s.isFile()) failed(`${path} is not a file`);
    if (s.size > DOCUMENT_LIMITS.maxBytes) failed(`${path} is ${s.size} bytes; documents of at most ${DOCUMENT_LIMITS.maxBytes} bytes are read`);
    const bytes = await fs.readPrefix(real, Math.max(1, s.size));
    const r = await extractDocumentText(bytes, format, limits);
    return { ...r, format, size: s.size, mtimeMs: Math.floor(s.mtimeMs) };
  }, (d) => `${d.format} of ${d.size} bytes: ${d.text.length} characters${d.truncated ? ' (cut)' : ''}`);
}

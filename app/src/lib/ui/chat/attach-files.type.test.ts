/** Which files the composer attaches, and with which media type. */
import { describe, expect, it } from 'vitest';
import { fileProblem, mediaTypeOf, nameOf } from './attach-files.ts';

describe('attach-files', () => {
  it('keeps a known type and infers text types from the name', () => {
    expect(mediaTypeOf({ name: 'a.png', type: 'image/png' })).toBe('image/png');
    expect(mediaTypeOf({ name: 'notes.md', type: '' })).toBe('text/markdown');
    expect(mediaTypeOf({ name: 'x.json', type: 'application/json' })).toBe('application/json');
    expect(mediaTypeOf({ name: 'main.rs', type: 'application/rls-services+xml' })).toBe('text/plain');
    expect(mediaTypeOf({ name: 'run.exe', type: 'application/x-msdownload' })).toBe('application/x-msdownload');
  });

  it('refuses big files and other kinds with a sentence that names the cap', () => {
    expect(fileProblem({ name: 'big.png', type: 'image/png', size: 12 * 1024 * 1024 })).toBe('big.png is 12.0 MB; attachments are at most 10 MB each');
    expect(fileProblem({ name: 'run.exe', type: 'application/x-msdownload', size: 10 })).toMatch(/only images .* and text files/);
    expect(fileProblem({ name: 'a.txt', type: 'text/plain', size: 10 })).toBeUndefined();
    expect(nameOf({ name: '', type: 'image/png' })).toBe('pasted.png');
  });
});

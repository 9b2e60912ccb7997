// Folder indexer: indexes the text files, PDFs and DOCX documents of every folder the user granted it
// (read-folder) into one chat per folder, one message per file, in the format
// workers/src/tools/folder-index-format.ts reads (keep them in step). Files are
// re-read only when their size or modification time changed; a changed file's
// entry is replaced, a removed file's entry is replaced by a removal note. The
// text of PDF and DOCX files is extracted by the host (readDocument). It
// asks the host to watch each folder, so a change triggers the next run.
// Runs in a plugin thread: everything goes through the host API.

const TEXT_FILE = /\.(md|markdown|mdx|txt|text|rst|org|adoc|csv|tsv|json|jsonl|ya?ml|toml|ini|cfg|conf|xml|html?|css|js|mjs|cjs|ts|tsx|jsx|py|rb|go|rs|java|kt|c|h|cc|cpp|hpp|cs|swift|sh|bash|zsh|sql|tex|log)$/i;
const DOCUMENT = /\.(pdf|docx)$/i;
const MAX_READ_BYTES = 256_000;
const MAX_ENTRY_CHARS = 16_000;
const SAVE_EVERY = 25;

const relative = (folder, path) => path.slice(folder.replace(/\/$/, '').length + 1);

function entry(folder, file, text, truncated) {
  const body = text.length > MAX_ENTRY_CHARS ? text.slice(0, MAX_ENTRY_CHARS) : text;
  const cut = truncated || body.length < text.length;
  return [
    `file: ${relative(folder, file.path)}`,
    `folder: ${folder}`,
    `modified: ${new Date(file.mtimeMs).toISOString()}`,
    `size: ${file.size}${cut ? ' (indexed in part)' : ''}`,
    '',
    body,
  ].join('\n');
}

const removal = (folder, path, at) => [`file: ${relative(folder, path)}`, `folder: ${folder}`, `removed: ${new Date(at).toISOString()}`].join('\n');

/**
 * @param {any} api the host API (plugin-thread.mjs)
 * @param {{ now: number, trigger: { kind: string } }} ctx
 */
export default async function run(api, ctx) {
  const folders = (await api.grants('read-folder')).filter((f) => f.startsWith('/'));
  if (folders.length === 0) return 'no folder to index: grant read-folder on a folder';
  const state = (await api.state.get()) ?? {};
  state.folders ??= {};
  const n = { indexed: 0, unchanged: 0, removed: 0, failed: 0 };
  for (const folder of folders) {
    const f = (state.folders[folder] ??= { chat: null, files: {} });
    let files;
    try {
      await api.watch(folder);
      files = await api.listFiles(folder);
    } catch (e) {
      api.log(`skipping ${folder}: ${e.message}`);
      n.failed++;
      continue;
    }
    if (!f.chat) {
      f.chat = (await api.createChat(`Folder index: ${folder}`)).id;
      await api.state.set(state);
    }
    const seen = new Set();
    let since = 0;
    for (const file of files) {
      const document = DOCUMENT.test(file.path);
      if (!document && !TEXT_FILE.test(file.path)) continue;
      seen.add(file.path);
      const prev = f.files[file.path];
      if (prev && prev.size === file.size && prev.mtimeMs === file.mtimeMs) {
        n.unchanged++;
        continue;
      }
      // A document that could not be read is tried again only once it changes.
      const bad = f.unreadable?.[file.path];
      if (bad && bad.size === file.size && bad.mtimeMs === file.mtimeMs) {
        n.unchanged++;
        continue;
      }
      try {
        const { text, truncated } = document ? await api.readDocument(file.path) : await api.readFile(file.path, { maxBytes: MAX_READ_BYTES });
        const content = entry(folder, file, text, truncated);
        const { id } = await api.writeMessage(f.chat, { role: 'tool', content, ...(prev ? { replaces: prev.message } : {}) });
        f.files[file.path] = { size: file.size, mtimeMs: file.mtimeMs, message: id };
        if (f.unreadable) delete f.unreadable[file.path];
        n.indexed++;
      } catch (e) {
        api.log(`cannot index ${file.path}: ${e.message}`);
        if (document && e.code === 'bad-request') (f.unreadable ??= {})[file.path] = { size: file.size, mtimeMs: file.mtimeMs };
        n.failed++;
      }
      if (++since % SAVE_EVERY === 0) await api.state.set(state);
    }
    for (const [path, prev] of Object.entries(f.files)) {
      if (seen.has(path)) continue;
      try {
        await api.writeMessage(f.chat, { role: 'tool', content: removal(folder, path, ctx.now), replaces: prev.message });
        delete f.files[path];
        n.removed++;
      } catch (e) {
        api.log(`cannot mark ${path} removed: ${e.message}`);
        n.failed++;
      }
    }
    await api.state.set(state);
  }
  return `indexed ${n.indexed}, unchanged ${n.unchanged}, removed ${n.removed}, failed ${n.failed} in ${folders.length} folder(s)`;
}

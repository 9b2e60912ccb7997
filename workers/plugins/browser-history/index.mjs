// Browser history: for each browser profile folder the user granted it
// (read_browser_history), writes the URLs and titles of visited pages into a
// chat of its own, 200 pages a message, reading only rows new since its last
// run, and keeps one bookmarks message there, replaced when the bookmarks
// change. The host reads the profile from a copy and hands over URLs and
// titles only. Runs in a plugin thread: everything goes through the host API.

const PER_MESSAGE = 200;
const MAX_PAGES_PER_RUN = 50;

const line = (e) => (e.title ? `${e.title} — ${e.url}` : e.url);

/** A short signature of the bookmarks, to see whether they changed. */
function signature(bookmarks) {
  let h = 0;
  for (const b of bookmarks) for (const c of `${b.title}\n${b.url}\n`) h = (h * 31 + c.charCodeAt(0)) | 0;
  return `${bookmarks.length}:${h}`;
}

/**
 * @param {any} api the host API (plugin-thread.mjs)
 */
export default async function run(api) {
  const profiles = (await api.grants('read_browser_history')).filter((p) => p.startsWith('/'));
  if (profiles.length === 0) return 'no browser profile to read: grant read_browser_history on a profile folder';
  const state = (await api.state.get()) ?? {};
  state.profiles ??= {};
  let added = 0;
  let failed = 0;
  for (const profile of profiles) {
    const p = (state.profiles[profile] ??= { chat: null, after: 0, bookmarks: null });
    try {
      let page = await api.readBrowserHistory(profile, { after: p.after, bookmarks: true });
      if (!p.chat) {
        p.chat = (await api.createChat(`Browser history: ${profile}`)).id;
        await api.state.set(state);
      }
      const sig = signature(page.bookmarks ?? []);
      if ((page.bookmarks ?? []).length > 0 && p.bookmarks?.sig !== sig) {
        const content = [`Bookmarks (${page.browser}, ${profile})`, '', ...page.bookmarks.map(line)].join('\n');
        const { id } = await api.writeMessage(p.chat, { role: 'tool', content, ...(p.bookmarks ? { replaces: p.bookmarks.message } : {}) });
        p.bookmarks = { message: id, sig };
      }
      for (let n = 0; n < MAX_PAGES_PER_RUN; n++) {
        for (let i = 0; i < page.history.length; i += PER_MESSAGE) {
          const chunk = page.history.slice(i, i + PER_MESSAGE);
          await api.writeMessage(p.chat, { role: 'tool', content: [`Visited pages (${page.browser}, ${profile})`, '', ...chunk.map(line)].join('\n') });
          added += chunk.length;
        }
        p.after = page.next;
        await api.state.set(state);
        if (page.done) break;
        page = await api.readBrowserHistory(profile, { after: p.after });
      }
    } catch (e) {
      api.log(`skipping ${profile}: ${e.message}`);
      failed++;
    }
  }
  await api.state.set(state);
  return `added ${added} pages from ${profiles.length - failed} profile(s), ${failed} failed`;
}

// Daily digest: summarizes the last 24 hours of the chats it may read into a
// new chat, "Digest YYYY-MM-DD" (UTC date of the run), using the workspace's
// model through the host (the API key never reaches this thread). Skips its
// own digests and folder indexes; does nothing when today's digest exists or
// nothing was said. Runs in a plugin thread: everything goes through the host API.

const DAY_MS = 86_400_000;
const PER_CHAT_CHARS = 12_000;
const TOTAL_CHARS = 60_000;

const SYSTEM = 'You write a short daily digest of a person\'s chats. For each chat: one or two sentences on what was discussed and decided, then open questions. Plain text with a heading per chat. Do not invent anything.';

/**
 * @param {any} api the host API (plugin-thread.mjs)
 * @param {{ now: number }} ctx
 */
export default async function run(api, ctx) {
  const since = ctx.now - DAY_MS;
  const title = `Digest ${new Date(ctx.now).toISOString().slice(0, 10)}`;
  const chats = await api.listChats({ updatedSince: since });
  if (chats.some((c) => c.title === title)) return `${title} exists already`;
  const parts = [];
  let budget = TOTAL_CHARS;
  for (const chat of chats) {
    if (chat.title.startsWith('Digest ') || chat.title.startsWith('Folder index: ')) continue;
    let messages;
    try {
      messages = await api.readChat(chat.id);
    } catch (e) {
      if (e.code === 'denied') continue;
      throw e;
    }
    const today = messages.filter((m) => m.createdAt >= since && m.editedAt === undefined && (m.role === 'user' || m.role === 'assistant') && m.content.trim() !== '');
    if (today.length === 0) continue;
    const text = `## ${chat.title}\n${today.map((m) => `${m.role}: ${m.content.trim()}`).join('\n')}`.slice(0, Math.min(PER_CHAT_CHARS, budget));
    parts.push(text);
    budget -= text.length;
    if (budget <= 0) break;
  }
  if (parts.length === 0) return 'nothing to summarize: no messages in the last 24 hours';
  const answer = await api.complete({
    system: SYSTEM,
    messages: [{ role: 'user', content: `Write the digest of these ${parts.length} chats from the last 24 hours.\n\n${parts.join('\n\n')}` }],
    maxTokens: 1024,
  });
  const { id } = await api.createChat(title);
  await api.writeMessage(id, { role: 'assistant', content: answer.text.trim() || '(the model returned no text)' });
  return `wrote ${title}: ${parts.length} chats summarized with ${answer.model}`;
}

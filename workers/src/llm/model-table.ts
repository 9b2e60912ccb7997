/**
 * Looking a model up in a per-model table by name prefix. Names come with
 * router prefixes ("openai/gpt-4o"), dates ("claude-3-5-haiku-20241022") and
 * tags ("llama3.1:8b"), so the longest table key that starts the bare name wins.
 */

/** The bare model name: lower case, without a router or "models/" prefix. */
export function modelKey(model: string): string {
  const bare = model.trim().toLowerCase();
  return bare.slice(bare.lastIndexOf('/') + 1);
}

/** The entry whose key is the longest prefix of the model's bare name, if any. */
export function lookupModel<T>(table: Readonly<Record<string, T>>, model: string): T | undefined {
  const key = modelKey(model);
  let best: string | undefined;
  for (const k of Object.keys(table)) if (key.startsWith(k) && (best === undefined || k.length > best.length)) best = k;
  return best === undefined ? undefined : table[best];
}

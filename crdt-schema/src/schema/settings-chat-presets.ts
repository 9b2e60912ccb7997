/**
 * Chat presets: a named set of a chat's model, system prompt and temperature
 * (chat-options.ts), applied to a chat in one click from its header. Kept in
 * the settings document, so every device of the workspace offers the same
 * presets. One record per preset, keyed by its name without case and
 * replaced whole on save (last writer wins); a preset leaves out a field to
 * keep the workspace default for it.
 */
import type * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { checkChatOptionsPatch, checkModelRef, checkTemperature, type ChatOptions, type ChatOptionsPatch } from './chat-options.ts';
import { badInput, checkText, compareStrings, isRecord, readRecord } from './fields.ts';
import { CHAT_PRESET_ENTRY, SETTINGS } from './keys.ts';
import type { Writer } from './writer.ts';

export const MAX_CHAT_PRESETS = 100;

export interface ChatPreset extends ChatOptions {
  readonly name: string;
  readonly createdAt: number;
  readonly createdBy?: DeviceId;
}

export interface ChatPresetInput extends ChatOptions {
  readonly name: string;
}

const keyOf = (name: string): string => name.trim().toLowerCase();

function checkName(v: unknown): string {
  const name = checkText(typeof v === 'string' ? v.trim() : v, 'preset name', 60);
  if (name === '') badInput('a preset has a name');
  return name;
}

function readPreset(r: Record<string, unknown>): ChatPreset | undefined {
  const E = CHAT_PRESET_ENTRY;
  if (typeof r[E.name] !== 'string' || typeof r[E.createdAt] !== 'number') return undefined;
  try {
    const model = r[E.model] === undefined ? undefined : checkModelRef(r[E.model]);
    const prompt = r[E.systemPrompt];
    const t = r[E.temperature] === undefined ? undefined : checkTemperature(r[E.temperature]);
    return {
      name: r[E.name] as string,
      ...(model ? { model } : {}),
      ...(typeof prompt === 'string' ? { systemPrompt: prompt } : {}),
      ...(t !== undefined ? { temperature: t } : {}),
      createdAt: r[E.createdAt] as number,
      ...(typeof r[E.createdBy] === 'string' ? { createdBy: r[E.createdBy] as DeviceId } : {}),
    };
  } catch {
    // One malformed preset is not offered; the others still are.
    return undefined;
  }
}

/** What applying a preset writes to a chat: every field, the ones it leaves out back to the defaults. */
export function presetPatch(p: ChatOptions): ChatOptionsPatch {
  return { model: p.model ?? null, systemPrompt: p.systemPrompt ?? null, temperature: p.temperature ?? null };
}

export function chatPresetsSection(doc: Y.Doc, w: Writer) {
  const presets = doc.getMap<unknown>(SETTINGS.chatPresets);
  const list = (): ChatPreset[] => {
    const out: ChatPreset[] = [];
    for (const key of presets.keys()) {
      const r = readRecord(presets, key);
      const p = r === undefined ? undefined : readPreset(r);
      if (p !== undefined && keyOf(p.name) === key) out.push(p);
    }
    return out.sort((a, b) => compareStrings(a.name.toLowerCase(), b.name.toLowerCase()));
  };
  return {
    list,
    get: (name: string): ChatPreset | undefined => list().find((p) => keyOf(p.name) === keyOf(name)),
    /** Saves a preset, replacing one of the same name (any case). */
    save(input: ChatPresetInput, by?: DeviceId): ChatPreset {
      if (!isRecord(input)) badInput('a preset is an object');
      const name = checkName(input.name);
      const o = checkChatOptionsPatch({ ...(input.model ? { model: input.model } : {}), ...(input.systemPrompt !== undefined ? { systemPrompt: input.systemPrompt } : {}), ...(input.temperature !== undefined ? { temperature: input.temperature } : {}) });
      if (!presets.has(keyOf(name)) && presets.size >= MAX_CHAT_PRESETS) badInput(`a workspace keeps at most ${MAX_CHAT_PRESETS} chat presets`);
      const E = CHAT_PRESET_ENTRY;
      const record: Record<string, unknown> = {
        [E.name]: name, [E.createdAt]: w.now(),
        ...(o.model ? { [E.model]: { ...o.model } } : {}),
        ...(typeof o.systemPrompt === 'string' ? { [E.systemPrompt]: o.systemPrompt } : {}),
        ...(typeof o.temperature === 'number' ? { [E.temperature]: o.temperature } : {}),
        ...(by !== undefined ? { [E.createdBy]: by } : {}),
      };
      w.write(() => presets.set(keyOf(name), record));
      return readPreset(record)!;
    },
    remove(name: string): void {
      const key = keyOf(checkName(name));
      if (!presets.has(key)) badInput(`no chat preset named ${name}`);
      w.write(() => presets.delete(key));
    },
  };
}

/**
 * A chat's own model, system prompt and temperature, each optional: a field
 * left unset follows the workspace default (Settings), so a new chat starts
 * from the defaults and keeps following them until its header changes one.
 * Stored as three fields of the chat's info map (last writer wins per
 * field), added to schema 1 without a version step: older readers ignore
 * them and answer with the defaults.
 *
 * The same three fields make a chat preset (settings-chat-presets.ts), a
 * named set applied in one click.
 */
import type { ModelRef } from './settings.ts';
import { parseProviderId } from './settings-providers.ts';
import { badInput, checkOptionalText, checkText, isRecord, setOptional, type YMap } from './fields.ts';
import { CHAT_OPTIONS } from './keys.ts';

/** The provider range most accept (Anthropic stops at 1; the provider clamps or refuses above). */
export const MAX_TEMPERATURE = 2;

export interface ChatOptions {
  /** The model the chat answers with; absent: the agent's, else the workspace default. */
  readonly model?: ModelRef;
  /** Used instead of the workspace's system prompt (an agent's own prompt still follows); absent: the workspace's. */
  readonly systemPrompt?: string;
  /** Sampling temperature, 0..2; absent: the provider's default. */
  readonly temperature?: number;
}

/** An edit: fields left out stay, `null` clears one (back to the workspace default). */
export interface ChatOptionsPatch {
  readonly model?: ModelRef | null;
  readonly systemPrompt?: string | null;
  readonly temperature?: number | null;
}

export function checkTemperature(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_TEMPERATURE) badInput(`temperature is a number from 0 to ${MAX_TEMPERATURE}`);
  return v;
}

export function checkModelRef(v: unknown): ModelRef {
  if (!isRecord(v)) badInput('a model is a provider and a model name');
  return { provider: parseProviderId(v.provider), model: checkText(v.model, 'model', 200) };
}

function readModel(v: unknown): ModelRef | undefined {
  return isRecord(v) && typeof v.provider === 'string' && typeof v.model === 'string' ? { provider: v.provider as ModelRef['provider'], model: v.model } : undefined;
}

/** The options stored in `m`; a malformed field reads as unset. */
export function readChatOptions(m: YMap): ChatOptions {
  const model = readModel(m.get(CHAT_OPTIONS.model));
  const prompt = m.get(CHAT_OPTIONS.systemPrompt);
  const t = m.get(CHAT_OPTIONS.temperature);
  return {
    ...(model ? { model } : {}),
    ...(typeof prompt === 'string' ? { systemPrompt: prompt } : {}),
    ...(typeof t === 'number' && Number.isFinite(t) && t >= 0 && t <= MAX_TEMPERATURE ? { temperature: t } : {}),
  };
}

/** Checks a patch whole before anything is written, so bad input changes nothing. */
export function checkChatOptionsPatch(p: ChatOptionsPatch): ChatOptionsPatch {
  if (!isRecord(p)) badInput('chat options are an object');
  return {
    ...(p.model !== undefined ? { model: p.model === null ? null : checkModelRef(p.model) } : {}),
    ...(p.systemPrompt !== undefined ? { systemPrompt: p.systemPrompt === null ? null : checkOptionalText(p.systemPrompt, 'systemPrompt', 100_000) } : {}),
    ...(p.temperature !== undefined ? { temperature: p.temperature === null ? null : checkTemperature(p.temperature) } : {}),
  };
}

/** Writes a checked patch into `m` (call inside a transaction). */
export function writeChatOptions(m: YMap, p: ChatOptionsPatch): void {
  if (p.model !== undefined) setOptional(m, CHAT_OPTIONS.model, p.model === null ? undefined : { ...p.model });
  if (p.systemPrompt !== undefined) setOptional(m, CHAT_OPTIONS.systemPrompt, p.systemPrompt ?? undefined);
  if (p.temperature !== undefined) setOptional(m, CHAT_OPTIONS.temperature, p.temperature ?? undefined);
}

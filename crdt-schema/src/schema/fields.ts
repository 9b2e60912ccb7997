/**
 * Typed reads of values stored in Y.Maps, and input checks for writes. Stored
 * data comes from other peers, so every read is a parse: a value of the wrong
 * type reads as absent instead of crashing the reader.
 */
import * as Y from 'yjs';
import { TendrilError } from '../errors.ts';

export type YMap = Y.Map<unknown>;

export function readString(m: YMap, key: string): string | undefined {
  const v = m.get(key);
  return typeof v === 'string' ? v : undefined;
}

export function readNumber(m: YMap, key: string): number | undefined {
  const v = m.get(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function readBool(m: YMap, key: string): boolean {
  return m.get(key) === true;
}

export function readBytes(m: YMap, key: string): Uint8Array | undefined {
  const v = m.get(key);
  return v instanceof Uint8Array ? v : undefined;
}

export function readEnum<T extends string>(m: YMap, key: string, values: readonly T[]): T | undefined {
  const v = m.get(key);
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : undefined;
}

/** A nested Y.Map entry of a collection, or undefined when absent or of another type. */
export function entryOf(collection: YMap, key: string): YMap | undefined {
  const v = collection.get(key);
  return v instanceof Y.Map ? (v as YMap) : undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A plain-object value of a map, for records written whole (announcements, claims, grants). */
export function readRecord(m: YMap, key: string): Record<string, unknown> | undefined {
  const v = m.get(key);
  return isRecord(v) ? v : undefined;
}

export function badInput(message: string): never {
  throw new TendrilError('E_BAD_INPUT', message);
}

/** A non-empty string of at most `max` characters. */
export function checkText(value: unknown, name: string, max = 1000): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    badInput(`${name} must be a string of 1..${max} characters`);
  }
  return value;
}

/** A string of at most `max` characters; empty allowed. */
export function checkOptionalText(value: unknown, name: string, max = 100_000): string {
  if (typeof value !== 'string' || value.length > max) badInput(`${name} must be a string of at most ${max} characters`);
  return value;
}

export function checkInt(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    badInput(`${name} must be an integer in ${min}..${max}`);
  }
  return value;
}

export function checkEnum<T extends string>(value: unknown, name: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    badInput(`${name} must be one of ${values.join(', ')}`);
  }
  return value as T;
}

/** Sets a key only when the value changes, so no-op writes produce no update. */
export function setIfChanged(m: YMap, key: string, value: unknown): void {
  if (m.get(key) !== value) m.set(key, value);
}

/** Sets or deletes an optional key. */
export function setOptional(m: YMap, key: string, value: unknown): void {
  if (value === undefined) {
    if (m.has(key)) m.delete(key);
  } else {
    setIfChanged(m, key, value);
  }
}

/** The entry of a collection, or E_BAD_INPUT naming what is missing. */
export function requireEntry(collection: YMap, key: string, what: string): YMap {
  return entryOf(collection, key) ?? badInput(`no ${what} ${key}`);
}

/** Plain code-unit string comparison, identical on every platform. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Price overrides of the settings document: the user's own price for a model
 * (USD per million input and output tokens), used in place of the price table
 * shipped with the app when usage and cost are counted. Each model is its own
 * entry of a root map, so two devices overriding two models both keep theirs.
 * Written by the user's devices; read with bounds (a price is a finite number
 * from 0 to MAX_PRICE), and an entry that does not read is ignored.
 */
import type * as Y from 'yjs';
import { badInput, checkText, compareStrings, isRecord } from './fields.ts';
import { SETTINGS } from './keys.ts';
import type { Writer } from './writer.ts';

export interface PriceOverride {
  /** The model name as the user typed it, lower case (a prefix: "gpt-4o" also prices "gpt-4o-2024-08-06"). */
  readonly model: string;
  /** USD per million input tokens. */
  readonly input: number;
  /** USD per million output tokens. */
  readonly output: number;
}

/** USD per million tokens: far above any list price, low enough that a typo of a few digits stands out. */
export const MAX_PRICE = 10_000;

const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_PRICE;

function checkPrice(v: unknown, name: string): number {
  if (!isPrice(v)) badInput(`${name} is a price in USD per million tokens from 0 to ${MAX_PRICE}`);
  return v;
}

export const priceKey = (model: string): string => checkText(model.trim().toLowerCase(), 'model', 200);

export function pricesSection(doc: Y.Doc, w: Writer) {
  const prices = doc.getMap<unknown>(SETTINGS.prices);
  return {
    /** Every override that reads, by model name. */
    list(): PriceOverride[] {
      const out: PriceOverride[] = [];
      for (const [model, v] of prices.entries()) {
        if (isRecord(v) && isPrice(v.input) && isPrice(v.output) && model.length > 0 && model.length <= 200) out.push({ model, input: v.input, output: v.output });
      }
      return out.sort((a, b) => compareStrings(a.model, b.model));
    },
    /** Sets the user's price for a model (replacing the shipped one when costs are counted). */
    set(o: PriceOverride): PriceOverride {
      const model = priceKey(o.model);
      const value = { input: checkPrice(o.input, 'input'), output: checkPrice(o.output, 'output') };
      w.write(() => prices.set(model, value));
      return { model, ...value };
    },
    /** Back to the shipped price. */
    remove(model: string): void {
      const key = priceKey(model);
      if (prices.has(key)) w.write(() => prices.delete(key));
    },
  };
}

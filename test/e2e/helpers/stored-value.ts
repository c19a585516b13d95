import { Keyv } from 'keyv';
import { ValueCodec } from '../../../lib/store/value-codec.js';

const keyv = new Keyv();

/** The module's value format (read as admin from Redis). */
export const codec = new ValueCodec(keyv.serialize as (data: unknown) => string, keyv.deserialize as (text: string) => unknown);

/** The value a raw Redis string holds, as the module reads it (undefined: a miss). */
export function storedValue(raw: unknown): unknown {
  return codec.decode(raw)?.value;
}

/** Keyv's JSON envelope, as earlier releases of the module wrote values. */
export function oldEnvelope(value: unknown, expires?: number): string {
  return keyv.serialize!({ value, expires }) as string;
}

/** Tolerant readers of Redis replies (RESP2 arrays or RESP3 maps): an unexpected shape yields empty, never a throw. */

/** A reply element as text. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return String(value);
  return '';
}

/** A RESP2 flat `[k1, v1, ...]` reply, or a RESP3 map (object / Map), as a record of strings. */
export function toRecord(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) record[text(reply[i])] = text(reply[i + 1]);
  } else if (reply instanceof Map) {
    for (const [key, value] of reply) record[text(key)] = text(value);
  } else if (reply && typeof reply === 'object') {
    for (const [key, value] of Object.entries(reply)) record[key] = text(value);
  }
  return record;
}

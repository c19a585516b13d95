/** Replaces every occurrence of a secret in every string of `value` (deeply) with `***`. */
export function redactSecrets<T>(value: T, secrets: ReadonlyArray<string | undefined>): T {
  const present = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
  if (present.length === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return present.reduce((text, secret) => text.split(secret).join('***'), item);
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, entry]) => [walk(key) as string, walk(entry)]));
    }
    return item;
  };
  return walk(value) as T;
}

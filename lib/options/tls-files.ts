import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { InvalidOptionError } from '../errors/redis-sentinel-cache.errors.js';
import type { TlsOptions } from '../interfaces/redis-sentinel-cache-options.interface.js';

const FILE_FIELDS = { caFile: 'ca', certFile: 'cert', keyFile: 'key' } as const;

/**
 * Reads `caFile` / `certFile` / `keyFile` into `ca` / `cert` / `key` at start-up, so an unreadable
 * file fails start-up with an error naming the option (e.g. `tls.caFile`) instead of a TLS handshake
 * error at the first request.
 */
export function resolveTlsFiles(tls: TlsOptions | undefined, option: string): ConnectionOptions | undefined {
  if (!tls) return undefined;
  const { caFile, certFile, keyFile, ...connection } = tls;
  const resolved: ConnectionOptions = { ...connection };
  for (const [field, target] of Object.entries(FILE_FIELDS) as Array<[keyof typeof FILE_FIELDS, 'ca' | 'cert' | 'key']>) {
    const path = { caFile, certFile, keyFile }[field];
    if (path === undefined) continue;
    if (typeof path !== 'string' || path === '') throw new InvalidOptionError(`${option}.${field}`, 'must be a file path');
    try {
      resolved[target] = readFileSync(path);
    } catch (error) {
      throw new InvalidOptionError(`${option}.${field}`, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return resolved;
}

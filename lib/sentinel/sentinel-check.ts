import {
  AuthenticationError,
  InvalidOptionError,
  PermissionDeniedError,
  UnknownMasterError,
} from '../errors/redis-sentinel-cache.errors.js';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { errorMessage, isAuthError, isPermissionError, isTlsError } from '../client/redis-errors.js';
import { aclRule } from '../acl/acl-rules.js';
import { connectSentinel, sentinelLabel } from './sentinel-connection.js';

export type SentinelAnswer =
  | { sentinel: string; kind: 'master'; master: string; canListSentinels: boolean }
  | { sentinel: string; kind: 'unknown-master' }
  | { sentinel: string; kind: 'auth'; message: string }
  | { sentinel: string; kind: 'denied'; message: string; rule: string }
  | { sentinel: string; kind: 'tls'; message: string }
  | { sentinel: string; kind: 'unreachable'; message: string };


/** Asks one sentinel for the master and whether `SENTINEL SENTINELS` (used by ioredis) is allowed. */
export async function askSentinel(options: ResolvedOptions, sentinel: SentinelAddress, timeout: number): Promise<SentinelAnswer> {
  const label = sentinelLabel(sentinel);
  const connection = connectSentinel(options, sentinel, timeout, 'check');
  let lastError: unknown;
  connection.on('error', (error: unknown) => (lastError = error));
  // The commands the module cannot follow the master without, in the order it needs them.
  let rule = aclRule('sentinel-resolve');
  try {
    await connection.connect();
    const master = (await connection.call('SENTINEL', 'get-master-addr-by-name', options.name)) as string[] | null;
    if (!Array.isArray(master)) return { sentinel: label, kind: 'unknown-master' };
    rule = aclRule('sentinel-master-state');
    await connection.call('SENTINEL', 'MASTER', options.name);
    const canListSentinels = await connection.call('SENTINEL', 'sentinels', options.name).then(
      () => true,
      (error: unknown) => !isPermissionError(error),
    );
    return { sentinel: label, kind: 'master', master: `${master[0]}:${master[1]}`, canListSentinels };
  } catch (caught) {
    if (isPermissionError(caught)) return { sentinel: label, kind: 'denied', message: errorMessage(caught), rule };
    // A refused AUTH surfaces as an `error` event; connect() itself only says "Connection is closed".
    const error = isAuthError(lastError) ? lastError : caught;
    if (isAuthError(error)) return { sentinel: label, kind: 'auth', message: errorMessage(error) };
    if (isTlsError(lastError ?? error)) return { sentinel: label, kind: 'tls', message: errorMessage(lastError ?? error) };
    // The real reason (refused TLS certificate, ECONNREFUSED) arrives as an `error` event.
    return { sentinel: label, kind: 'unreachable', message: errorMessage(lastError ?? error) };
  } finally {
    connection.disconnect();
  }
}

/**
 * Start-up check of the sentinels: wrong sentinel credentials, an ACL that refuses resolving the
 * master, a refused TLS certificate or an unknown master name fail start-up (misconfiguration);
 * unreachable sentinels only warn, so an app can start during a Redis outage.
 */
export async function checkSentinels(options: ResolvedOptions, timeout: number): Promise<SentinelAnswer[]> {
  const answers = await Promise.all(options.sentinels.map((sentinel) => askSentinel(options, sentinel, timeout)));
  // One sentinel refusing what the module needs is a misconfiguration even if another answers.
  const deniedAny = answers.find((answer) => answer.kind === 'denied');
  if (deniedAny?.kind === 'denied') {
    throw new PermissionDeniedError('sentinel', deniedAny.sentinel, options.sentinelUsername, deniedAny.rule, deniedAny.message);
  }
  if (answers.some((answer) => answer.kind === 'master')) return answers;
  const auth = answers.find((answer) => answer.kind === 'auth');
  if (auth?.kind === 'auth') throw new AuthenticationError('sentinel', auth.sentinel, auth.message);
  const tls = answers.find((answer) => answer.kind === 'tls');
  if (tls?.kind === 'tls') {
    throw new InvalidOptionError('sentinelTLS', `the sentinel at ${tls.sentinel} failed the TLS handshake: ${tls.message}`);
  }
  if (answers.some((answer) => answer.kind === 'unknown-master')) {
    throw new UnknownMasterError(options.name, answers.map((answer) => answer.sentinel));
  }
  return answers;
}

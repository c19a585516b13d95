import { Redis } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import { errorMessage, isAuthError, isTlsError } from '../client/redis-errors.js';
import { bounded } from '../health/bounded-call.js';

/** A node to connect to, as this process reaches it (natMap already applied). */
export interface Endpoint {
  host: string;
  port: number;
  family?: 4 | 6;
  tls?: ConnectionOptions;
}

export interface Credentials {
  /** Shown in reports; `undefined` is Redis's `default` user. */
  username?: string;
  password?: string;
}

/**
 * `reset`: the node accepted the TCP connection, then closed it (a TLS-only port reached without TLS,
 * or a proxy with nothing behind it): reachable, but not speaking what we speak.
 */
export type Opened =
  | { kind: 'ok'; connection: Redis }
  | { kind: 'auth' | 'tls' | 'reset' | 'unreachable' | 'timeout'; message: string };

export function label(endpoint: { host: string; port: number }): string {
  return `${endpoint.host}:${endpoint.port}`;
}

export function userName(credentials: Credentials): string {
  return credentials.username ?? 'default';
}

/**
 * Opens the doctor's connections, each bounded (connect, handshake and every command within
 * `timeout` ms, no retry, no offline queue) and remembered, so `closeAll()` leaves no socket behind
 * and the process exits by itself.
 */
export class ConnectionPool {
  private readonly connections = new Set<Redis>();
  private closed = false;

  constructor(readonly timeout: number) {}

  /** Connects and authenticates; never rejects, never waits longer than `timeout` (or `limit`). */
  async open(endpoint: Endpoint, credentials: Credentials, limit = this.timeout): Promise<Opened> {
    const ms = Math.max(1, Math.min(limit, this.timeout));
    if (this.closed) return { kind: 'timeout', message: 'the doctor is closing' };
    const connection = new Redis({
      host: endpoint.host,
      port: endpoint.port,
      family: endpoint.family,
      tls: endpoint.tls,
      username: credentials.username,
      password: credentials.password,
      connectTimeout: ms,
      commandTimeout: ms,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      autoResubscribe: false,
      disableClientInfo: true,
      lazyConnect: true,
      // ioredis arms this timer even for a socket that is already closed: keep it short.
      disconnectTimeout: 200,
    });
    this.connections.add(connection);
    let lastError: unknown;
    connection.on('error', (error: unknown) => (lastError = error));
    const outcome = await bounded(connection.connect(), ms);
    if (outcome.kind === 'ok') return { kind: 'ok', connection };
    this.close(connection);
    // A refused AUTH or certificate surfaces as an `error` event; connect() only says the connection closed.
    const cause = lastError ?? (outcome.kind === 'error' ? outcome.error : undefined);
    if (isAuthError(cause)) return { kind: 'auth', message: errorMessage(cause) };
    if (cause !== undefined && isTlsError(cause)) return { kind: 'tls', message: errorMessage(cause) };
    if (outcome.kind === 'timeout' || /timed? ?out/i.test(errorMessage(cause))) {
      return { kind: 'timeout', message: `no answer within ${ms} ms` };
    }
    if (/ECONNRESET|socket hang up/i.test(errorMessage(cause))) return { kind: 'reset', message: errorMessage(cause) };
    return { kind: 'unreachable', message: errorMessage(cause) };
  }

  /**
   * The app user's connection and, when an admin user is given, the admin's, opened in parallel.
   * The admin's is closed again when the app's failed; `adminProblem` says why the admin's failed.
   */
  async openWithAdmin(endpoint: Endpoint, app: Credentials, admin: Credentials | undefined): Promise<{ opened: Opened; admin?: Redis; adminProblem?: string }> {
    const [opened, adminOpened] = await Promise.all([this.open(endpoint, app), admin ? this.open(endpoint, admin) : undefined]);
    if (adminOpened?.kind === 'ok' && opened.kind !== 'ok') this.close(adminOpened.connection);
    if (!adminOpened) return { opened };
    return adminOpened.kind === 'ok' ? { opened, admin: adminOpened.connection } : { opened, adminProblem: `${adminOpened.kind}: ${adminOpened.message}` };
  }

  close(connection: Redis): void {
    this.connections.delete(connection);
    connection.disconnect();
  }

  /** Disconnects every connection this pool opened; later `open()` calls fail at once. */
  closeAll(): void {
    this.closed = true;
    for (const connection of this.connections) connection.disconnect();
    this.connections.clear();
  }
}

/** A command on a doctor connection, bounded even if ioredis's own timeout does not fire. */
export async function ask(connection: Redis, argv: string[], ms: number): Promise<unknown> {
  const [name, ...args] = argv;
  const answer = await bounded(connection.call(name!, ...args), ms);
  if (answer.kind === 'ok') return answer.value;
  if (answer.kind === 'timeout') throw new Error(`Command timed out after ${ms} ms`);
  throw answer.error;
}

import { createConnection } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { AbstractConnector } from 'ioredis';
import type { NatMap } from '../interfaces/redis-sentinel-cache-options.interface.js';
import { applyNatMap, type NodeAddress } from '../client/node-address.js';

/** ioredis's message for a connection given up on purpose (it then stops, as with its own connectors). */
const CONNECTION_CLOSED = 'Connection is closed.';

/** Where to connect: the master tracker's answer, awaited by every connection attempt. */
export interface MasterTarget {
  /**
   * The master to connect to now, as the sentinels announce it. Waits (asking the sentinels again)
   * until one is known or `connecting()` turns false; reports trouble through `emit('error', ...)`.
   */
  targetForConnect(connecting: () => boolean, emit: (type: string, error: Error) => void): Promise<NodeAddress>;
  /** ioredis made the connector (once per client): the tracker reads `target` from it. */
  adopt(connector: MasterConnectorHandle): void;
}

/** The connector ioredis sees: which address its current stream was opened to. */
export interface MasterConnectorHandle {
  readonly target: NodeAddress | undefined;
}

interface ConnectorOptions {
  disconnectTimeout: number;
  tls?: ConnectionOptions;
}

class MasterConnector extends AbstractConnector implements MasterConnectorHandle {
  target: NodeAddress | undefined;
  private readonly tls: ConnectionOptions | undefined;

  constructor(
    options: ConnectorOptions,
    private readonly tracker: MasterTarget,
    private readonly natMap: NatMap | undefined,
  ) {
    super(options.disconnectTimeout);
    this.tls = options.tls;
    tracker.adopt(this);
  }

  /** ioredis's ready check (INFO, when the ACL allows it): a node that is not a master is left at once. */
  override check(info: { role?: string }): boolean {
    return !info.role || info.role === 'master';
  }

  async connect(emit: (type: string, error: Error) => void) {
    this.connecting = true;
    this.target = undefined;
    const announced = await this.tracker.targetForConnect(() => this.connecting, emit);
    if (!this.connecting) throw new Error(CONNECTION_CLOSED);
    const { host, port } = applyNatMap(this.natMap, announced);
    this.target = { host: announced.host, port: announced.port };
    this.stream = this.tls ? tlsConnect({ ...this.tls, host, port }) : createConnection({ host, port });
    // Kept for the stream's life: TLS can emit a second error (an alert after a refused certificate)
    // after ioredis's own one-shot listener is gone, and an unheard 'error' would crash the process.
    this.stream.on('error', (error: Error) => {
      this.firstError ??= error;
    });
    return this.stream;
  }
}

/**
 * An ioredis `Connector` that connects to the master the {@link MasterTracker} names, instead of
 * ioredis's `SentinelConnector` walking the sentinels in order on every attempt. The tracker keeps
 * that address current (sentinel events, polls, the replica watch), so a reconnect after
 * `+switch-master` goes straight to the new master whichever sentinel led the failover, and the
 * address each stream was opened to is known exactly (`target`): the fence is lowered only on a
 * `ready` at the master the sentinels named. `natMap` is applied to a fresh object every time.
 */
export function masterConnector(tracker: MasterTarget, natMap: NatMap | undefined): new (options: unknown) => AbstractConnector {
  return class extends MasterConnector {
    constructor(options: unknown) {
      super(options as ConnectorOptions, tracker, natMap);
    }
  };
}

import { EventEmitter } from 'node:events';
import { isPermissionError } from '../client/redis-errors.js';
import type { SentinelAddress } from '../interfaces/redis-sentinel-cache-options.interface.js';
import { type NodeAddress, splitAddress } from '../client/node-address.js';
import type { ResolvedOptions } from '../options/validate-options.js';
import { sentinelLabel, type SentinelConnections } from './sentinel-connection.js';
import { parseMasterState, parseReplicas } from './sentinel-replies.parser.js';

/** What one sentinel said of the master group in one round. */
export interface MasterView {
  sentinel: string;
  /** The master it names. During its own failover the leader still names the old one. */
  address: NodeAddress;
  /** `config-epoch`: the newest epoch names the real master. */
  epoch: number;
  /** It leads a failover of the group right now. */
  failingOver: boolean;
  /** Replicas it knows that are up (only when the round asked for them). */
  replicas?: NodeAddress[];
}

/** One round over every sentinel. */
export interface PollRound {
  views: MasterView[];
  /** Sentinels asked, answered or not. */
  asked: number;
  /** Sentinels that refused `SENTINEL MASTER` (ACL). */
  denied: string[];
}

export interface PollOptions {
  /** Also ask `SENTINEL REPLICAS`. */
  replicas?: boolean;
  /** Resolve once a majority of the sentinels answered (a reconnect waits for no dead sentinel). */
  majority?: boolean;
}

const DOWN = ['s_down', 'o_down', 'disconnected'];

/**
 * Asks every sentinel `SENTINEL MASTER <name>` (and `SENTINEL REPLICAS` when asked), in parallel,
 * over held connections, each answer bounded by `sentinelCommandTimeout`. Rounds run on demand
 * (`poll()`) and every `interval` ms (`setInterval`, chosen by the master tracker: slow while all is
 * quiet, fast while a failover may be in progress). Each round is emitted as `round`; the tracker
 * decides what it means.
 */
export class SentinelMasterPoller extends EventEmitter<{ round: [PollRound] }> {
  private timer: NodeJS.Timeout | undefined;
  private interval = 0;
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly connections: SentinelConnections,
  ) {
    super();
  }

  /** Polls every `ms` from now on (0 stops the steady rounds); these rounds list the replicas too. */
  setInterval(ms: number): void {
    if (ms === this.interval || this.closed) return;
    this.interval = ms;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (ms > 0) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.poll({ replicas: true }).finally(() => {
        if (!this.closed && this.interval > 0 && this.timer !== undefined) this.schedule();
      });
    }, this.interval);
    this.timer.unref();
  }

  /** One round now; emitted as `round` too. Never rejects. */
  async poll(poll: PollOptions = {}): Promise<PollRound> {
    const sentinels = this.options.sentinels;
    const views: MasterView[] = [];
    const denied: string[] = [];
    const needed = poll.majority ? Math.floor(sentinels.length / 2) + 1 : sentinels.length;
    await new Promise<void>((resolve) => {
      let settled = 0;
      let answered = 0;
      for (const sentinel of sentinels) {
        void this.ask(sentinel, poll.replicas === true).then((answer) => {
          settled += 1;
          if (answer === 'denied') denied.push(sentinelLabel(sentinel));
          else if (answer) {
            views.push(answer);
            answered += 1;
          }
          if (answered >= needed || settled === sentinels.length) resolve();
        });
      }
    });
    const round: PollRound = { views: [...views], asked: sentinels.length, denied };
    if (!this.closed) this.emit('round', round);
    return round;
  }

  private async ask(sentinel: SentinelAddress, replicas: boolean): Promise<MasterView | 'denied' | undefined> {
    const held = this.connections.get(sentinel);
    try {
      const pipeline = held.connection.pipeline().call('SENTINEL', 'MASTER', this.options.name);
      if (replicas) pipeline.call('SENTINEL', 'REPLICAS', this.options.name);
      const results = (await pipeline.exec()) ?? [];
      const [error, reply] = results[0] ?? [new Error('no reply'), null];
      if (error) throw error;
      const state = parseMasterState(reply);
      const address = state ? splitAddress(state.address) : null;
      if (!state || !address) return undefined;
      const view: MasterView = { sentinel: sentinelLabel(sentinel), address, epoch: state.configEpoch ?? 0, failingOver: state.failingOver };
      const [replicasError, replicasReply] = results[1] ?? [null, undefined];
      if (replicas && !replicasError) {
        view.replicas = parseReplicas(replicasReply)
          .filter((replica) => !replica.flags.some((flag) => DOWN.includes(flag)))
          .map((replica) => splitAddress(replica.address))
          .filter((replica): replica is NodeAddress => replica !== null);
      }
      if (this.connections.isClosed) this.connections.drop(held);
      return view;
    } catch (error) {
      if (isPermissionError(error)) return 'denied';
      this.connections.drop(held);
      return undefined;
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

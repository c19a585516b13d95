/**
 * A steady, bounded stream of real HTTP requests against the sample app: per worker, a cycle of
 * `POST /products/<id>` (write, then invalidate) followed by cached `GET /products/<id>` reads, plus
 * the cached list and the `cache.wrap()` report now and then. Each record is written by one worker
 * only, so "a GET sent after the POST of version v was acknowledged must return a version >= v" is a
 * strict rule: any older value is a stale read.
 */

export interface StaleRead {
  id: string;
  /** Version returned by the GET. */
  got: number;
  /** Version of the last POST acknowledged before the GET was sent. */
  expected: number;
  sentAt: number;
  xCache: string | null;
}

export interface LoadStats {
  requests: number;
  byStatus: Record<string, number>;
  /** Status >= 500. */
  serverErrors: number;
  /** Network errors and requests that did not answer within the request timeout (hangs). */
  transportErrors: number;
  /** Statuses other than 2xx and 5xx (e.g. 404), which the cycle never expects. */
  unexpected: number;
  staleReads: StaleRead[];
  cacheHits: number;
  posts: number;
  /** Slowest answer, ms. */
  maxLatencyMs: number;
  firstErrors: string[];
}

export interface LoadOptions {
  workers?: number;
  recordsPerWorker?: number;
  /** Pause between two requests of one worker. */
  pauseMs?: number;
  maxRequests?: number;
  maxDurationMs?: number;
  requestTimeoutMs?: number;
  /** Record ids are `<prefix>-w<worker>-r<n>`. */
  prefix?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LoadGenerator {
  readonly stats: LoadStats = {
    requests: 0,
    byStatus: {},
    serverErrors: 0,
    transportErrors: 0,
    unexpected: 0,
    staleReads: [],
    cacheHits: 0,
    posts: 0,
    maxLatencyMs: 0,
    firstErrors: [],
  };
  /** Per record: versions acknowledged by POST, with the time the acknowledgement arrived. */
  private readonly acked = new Map<string, Array<{ version: number; at: number }>>();
  private running = true;
  private readonly done: Promise<void>;
  private readonly options: Required<LoadOptions>;

  constructor(
    private readonly baseUrl: string,
    options: LoadOptions = {},
  ) {
    this.options = {
      workers: 3,
      recordsPerWorker: 2,
      pauseMs: 10,
      maxRequests: 30_000,
      maxDurationMs: 60_000,
      requestTimeoutMs: 5_000,
      prefix: 'load',
      ...options,
    };
    const deadline = Date.now() + this.options.maxDurationMs;
    this.done = Promise.all(Array.from({ length: this.options.workers }, (_, w) => this.worker(w, deadline))).then(() => undefined);
  }

  /** Stops after the requests in flight; resolves with the stats. */
  async stop(): Promise<LoadStats> {
    this.running = false;
    await this.done;
    return this.stats;
  }

  /** Staleness rule: the last version acknowledged strictly before `sentAt`. */
  private expectedVersion(id: string, sentAt: number): number {
    const list = this.acked.get(id) ?? [];
    let expected = 0;
    for (const entry of list) if (entry.at < sentAt) expected = Math.max(expected, entry.version);
    return expected;
  }

  private async worker(w: number, deadline: number): Promise<void> {
    const ids = Array.from({ length: this.options.recordsPerWorker }, (_, n) => `${this.options.prefix}-w${w}-r${n}`);
    let price = 0;
    for (let cycle = 0; this.running && Date.now() < deadline && this.stats.requests < this.options.maxRequests; cycle += 1) {
      const id = ids[cycle % ids.length]!;
      price += 1;
      const posted = await this.request('POST', `/products/${id}`, { price, name: `load ${id}` });
      if (posted?.ok) {
        const body = posted.body as { version?: unknown };
        if (typeof body.version === 'number') {
          const list = this.acked.get(id) ?? [];
          list.push({ version: body.version, at: posted.at });
          this.acked.set(id, list);
          this.stats.posts += 1;
        }
      }
      await sleep(this.options.pauseMs);
      // Two reads: the first usually computes (MISS), the second is served by Redis (HIT).
      for (let read = 0; read < 2 && this.running; read += 1) {
        await this.read(id);
        await sleep(this.options.pauseMs);
      }
      if (cycle % 5 === w % 5) {
        await this.request('GET', '/products');
        await sleep(this.options.pauseMs);
      }
      if (cycle % 10 === (w * 3) % 10) {
        await this.request('GET', '/products/report');
        await sleep(this.options.pauseMs);
      }
    }
  }

  private async read(id: string): Promise<void> {
    const sentAt = Date.now();
    const expected = this.expectedVersion(id, sentAt);
    const answer = await this.request('GET', `/products/${id}`);
    if (!answer?.ok) return;
    const version = (answer.body as { version?: unknown }).version;
    if (typeof version === 'number' && version < expected) {
      this.stats.staleReads.push({ id, got: version, expected, sentAt, xCache: answer.xCache });
    }
  }

  private note(error: string): void {
    if (this.stats.firstErrors.length < 10) this.stats.firstErrors.push(`${new Date().toISOString()} ${error}`);
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ ok: boolean; body: unknown; at: number; xCache: string | null } | undefined> {
    const started = Date.now();
    this.stats.requests += 1;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const text = await response.text();
      const at = Date.now();
      this.stats.maxLatencyMs = Math.max(this.stats.maxLatencyMs, at - started);
      const status = String(response.status);
      this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
      const xCache = response.headers.get('x-cache');
      if (xCache === 'HIT') this.stats.cacheHits += 1;
      if (response.status >= 500) {
        this.stats.serverErrors += 1;
        this.note(`${method} ${path} -> ${status} ${text.slice(0, 200)}`);
        return { ok: false, body: undefined, at, xCache };
      }
      if (response.status >= 300) {
        this.stats.unexpected += 1;
        this.note(`${method} ${path} -> ${status} ${text.slice(0, 200)}`);
        return { ok: false, body: undefined, at, xCache };
      }
      return { ok: true, body: text ? JSON.parse(text) : undefined, at, xCache };
    } catch (error) {
      this.stats.transportErrors += 1;
      this.stats.maxLatencyMs = Math.max(this.stats.maxLatencyMs, Date.now() - started);
      this.note(`${method} ${path} after ${Date.now() - started} ms: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}

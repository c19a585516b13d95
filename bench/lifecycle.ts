/**
 * Process lifecycle of the benchmark: everything it starts registers a cleanup here, and every way out
 * (normal end, a thrown error, SIGINT/SIGTERM) runs them, newest first, each bounded in time. The
 * topology launcher also SIGKILLs its redis-server children when the Node process exits (safety net).
 */

type Cleanup = { label: string; run: () => Promise<unknown> | unknown };

const cleanups: Cleanup[] = [];
let cleaning: Promise<void> | undefined;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Registers a cleanup; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(label: string, run: () => Promise<unknown> | unknown): () => Promise<void> {
  const entry: Cleanup = { label, run };
  cleanups.push(entry);
  let done: Promise<void> | undefined;
  return () => {
    done ??= (async () => {
      const index = cleanups.indexOf(entry);
      if (index >= 0) cleanups.splice(index, 1);
      await bounded(Promise.resolve().then(run), 15_000, label).catch((error: unknown) => {
        console.error(`cleanup "${label}" failed: ${errorText(error)}`);
      });
    })();
    return done;
  };
}

/** Runs every registered cleanup (newest first), each bounded; idempotent. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop()!;
      await bounded(Promise.resolve().then(entry.run), 15_000, entry.label).catch((error: unknown) => {
        console.error(`cleanup "${entry.label}" failed: ${errorText(error)}`);
      });
    }
  })();
  return cleaning;
}

/** SIGINT/SIGTERM: clean up, then exit 130/143. A second signal exits at once. */
export function installSignalHandlers(): void {
  let signalled = false;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(code);
      signalled = true;
      console.error(`\n${signal}: stopping everything the benchmark started...`);
      const hardExit = setTimeout(() => process.exit(code), 30_000);
      hardExit.unref();
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}

/** Rejects when `promise` does not settle within `ms` (the timer never keeps the process alive). */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A logger for Nest and the module that keeps the lines (for the results) instead of printing them. */
export class QuietLogger {
  readonly lines: Array<{ level: string; at: number; message: string }> = [];
  constructor(private readonly echoWarnings = false) {}
  private add(level: string, message: unknown): void {
    const text = typeof message === 'string' ? message : message instanceof Error ? message.message : JSON.stringify(message);
    if (this.lines.length < 2_000) this.lines.push({ level, at: performance.now(), message: text });
    if (this.echoWarnings && (level === 'warn' || level === 'error')) console.warn(`  [${level}] ${text}`);
  }
  log(message: unknown): void { this.add('log', message); }
  warn(message: unknown): void { this.add('warn', message); }
  error(message: unknown): void { this.add('error', message); }
  debug(message: unknown): void { this.add('debug', message); }
  verbose(message: unknown): void { this.add('verbose', message); }
  fatal(message: unknown): void { this.add('fatal', message); }
}

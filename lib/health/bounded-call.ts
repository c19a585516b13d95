/** The outcome of a call raced against a time bound: it never rejects and never outlives `ms`. */
export type Bounded<T> = { kind: 'ok'; value: T } | { kind: 'timeout' } | { kind: 'error'; error: unknown };

/**
 * Races `work` against `ms` milliseconds. The timer is unref'd and cleared as soon as either side
 * settles; a late rejection of `work` is swallowed (it is already reported as a timeout).
 */
export function bounded<T>(work: Promise<T>, ms: number): Promise<Bounded<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, ms));
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'ok', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

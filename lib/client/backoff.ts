/**
 * Exponential reconnect backoff: `base`, 2·base, 4·base ... capped at `cap`, plus up to 10% jitter so
 * a fleet of clients does not reconnect in lockstep.
 */
export function backoff(base: number, cap: number): (attempt: number) => number {
  return (attempt) => {
    const delay = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
    return Math.round(delay + Math.random() * delay * 0.1);
  };
}

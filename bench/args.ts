/** Command line of `npm run bench -- [options]`. */

/** A bad command line: reported without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Part = 'store' | 'profile' | 'http' | 'failover' | 'metrics';
export const PARTS: readonly Part[] = ['store', 'profile', 'http', 'failover', 'metrics'];

export interface BenchArgs {
  quick: boolean;
  parts: Part[];
  /** Wait (bounded) for the 1-minute load average to fall below `idleThreshold` before starting. */
  idleWaitMaxSec: number;
  idleThreshold: number;
  /** Output path without extension (.json and .md are written). */
  out: string;
  planned?: number;
  kills?: number;
  rounds?: number;
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick                 smoke run (~1.5 min: short batches, 1 planned failover, 1 kill -9)
  --only LIST             parts to run, comma-separated: ${PARTS.join(',')} (default: all)
  --idle-wait SEC         wait at most SEC seconds for the 1-min load average to drop below the
                          threshold before starting (default 900 for a full run, 0 with --quick)
  --idle-threshold N      load-average threshold (default 1.0)
  --planned N --kills N   number of SENTINEL FAILOVERs (sent to each sentinel in turn) / master
                          kill -9s (default 12 / 5; on the seed's-ACL topology 6 / 3)
  --rounds N              store (and metrics) rounds (default 11; metrics 41)
  --out PATH              results path without extension (default bench/results/latest, or
                          bench/results/quick with --quick)`;

function positiveInt(value: string | undefined, flag: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new UsageError(`${flag} needs a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
  return n;
}

export function parseArgs(argv: string[]): BenchArgs {
  const quick = argv.includes('--quick');
  const args: BenchArgs = {
    quick,
    parts: [...PARTS],
    idleWaitMaxSec: quick ? 0 : 900,
    idleThreshold: 1.0,
    out: quick ? 'bench/results/quick' : 'bench/results/latest',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--quick':
        break;
      case '--only': {
        const parts = value().split(',').map((p) => p.trim()).filter(Boolean);
        const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
        if (unknown.length > 0 || parts.length === 0) throw new UsageError(`--only: unknown part(s) ${unknown.join(', ')}; use ${PARTS.join(',')}`);
        args.parts = PARTS.filter((p) => parts.includes(p));
        break;
      }
      case '--idle-wait':
        args.idleWaitMaxSec = positiveInt(value(), flag, true);
        break;
      case '--idle-threshold': {
        const n = Number(value());
        if (!(n > 0)) throw new UsageError('--idle-threshold needs a positive number');
        args.idleThreshold = n;
        break;
      }
      case '--planned':
        args.planned = positiveInt(value(), flag, true);
        break;
      case '--kills':
        args.kills = positiveInt(value(), flag, true);
        break;
      case '--rounds':
        args.rounds = positiveInt(value(), flag);
        break;
      case '--out':
        args.out = value();
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return args;
}

import { RedisSentinelCacheError } from '../errors/redis-sentinel-cache.errors.js';
import { DOCTOR_USAGE, type DoctorSettings, parseDoctorArgs } from './doctor-args.js';
import { type Check, type DoctorReport, exitCode, formatJson, formatText } from './doctor-report.js';
import { runDoctor } from './doctor.js';

type Env = Record<string, string | undefined>;

/** Every secret the run knows, so no output can carry one. */
function secretsOf(settings: DoctorSettings | undefined, env: Env): Array<string | undefined> {
  const fromEnv = ['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_ADMIN_PASSWORD', 'REDIS_SENTINEL_ADMIN_PASSWORD'].map((name) => env[name]);
  if (!settings) return fromEnv;
  const { options, admin } = settings;
  return [...fromEnv, options.password, options.sentinelPassword, admin.data?.password, admin.sentinel?.password];
}

/**
 * `nestjs-redis-sentinel-cache doctor [options]`: prints the report (text, or JSON with --json) and
 * returns the exit status: 0 all ok, 1 warnings, 2 failures or invalid options.
 */
export async function doctorMain(argv: string[], env: Env, write: (output: string) => void): Promise<0 | 1 | 2> {
  let settings: DoctorSettings | undefined;
  const json = argv.includes('--json');
  try {
    const command = parseDoctorArgs(argv, env);
    if (command.kind === 'help') {
      write(`${DOCTOR_USAGE}\n`);
      return 0;
    }
    settings = command.settings;
  } catch (error) {
    if (!(error instanceof RedisSentinelCacheError)) throw error;
    const check: Check = {
      status: 'fail', id: 'options', what: error.message, fix: 'fix the option and run again (--help lists them)',
      data: { code: error.code, ...('option' in error && { option: error.option }) },
    };
    const report: DoctorReport = { name: '', checks: [check], durationMs: 0 };
    write(json ? formatJson(report, secretsOf(undefined, env)) : formatText(report, secretsOf(undefined, env)));
    return 2;
  }
  const report = await runDoctor(settings);
  const secrets = secretsOf(settings, env);
  write(settings.json ? formatJson(report, secrets) : formatText(report, secrets));
  return exitCode(report.checks);
}

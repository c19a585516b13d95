import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './lifecycle.js';

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  packages: Record<string, string>;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5_000 }, (error, stdout) => resolve(error ? '' : String(stdout).trim()));
  });
}

async function packageVersion(root: string, name: string): Promise<string> {
  try {
    const json = JSON.parse(await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
    return json.version ?? '?';
  } catch {
    return 'not installed';
  }
}

export async function machineInfo(root: string): Promise<MachineInfo> {
  const redisBin = process.env['REDIS_SERVER_BIN'] ?? 'redis-server';
  const redis = /v=(\S+)/.exec(await run(redisBin, ['--version']))?.[1] ?? 'unknown';
  const names = ['ioredis', 'cache-manager', 'keyv', '@keyv/redis', '@redis/client', '@nestjs/core', '@nestjs/cache-manager', 'autocannon'];
  const versions = await Promise.all(names.map((name) => packageVersion(root, name)));
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis,
    packages: Object.fromEntries(names.map((name, i) => [name, versions[i]!])),
  };
}

export type LoadAverage = [number, number, number];

export function loadAverage(): LoadAverage {
  const [one, five, fifteen] = os.loadavg();
  return [round2(one!), round2(five!), round2(fifteen!)];
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Waits until the 1-minute load average is below `threshold`, polling every `pollMs`, for at most
 * `maxMs`. Returns what it saw; never throws (a busy machine is recorded, not fatal).
 */
export async function waitForIdle(threshold: number, maxMs: number, pollMs = 30_000): Promise<{ waitedMs: number; reached: boolean; load: LoadAverage }> {
  const started = Date.now();
  for (;;) {
    const load = loadAverage();
    if (load[0] < threshold) return { waitedMs: Date.now() - started, reached: true, load };
    const left = maxMs - (Date.now() - started);
    if (left <= 0) return { waitedMs: Date.now() - started, reached: false, load };
    console.log(`  load average ${load.join(' ')} (1-min >= ${threshold}); waiting (${Math.ceil(left / 1000)} s left)...`);
    await sleep(Math.min(pollMs, left));
  }
}

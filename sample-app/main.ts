import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTopology, type Topology } from '../scripts/topology/topology.js';
import { startSampleApp } from './bootstrap.js';
import { cacheOptionsFromEnv } from './config/sample-config.js';

/**
 * Starts the sample app (`npm run start:sample`). Without REDIS_SENTINELS it first starts a local
 * topology (1 master, 2 replicas, 3 sentinels on 127.0.0.1, the seed's ACL users plus the documented
 * additions) on free ports, and stops it on exit. Environment: see config/sample-config.ts, plus
 * HOST (default 127.0.0.1) and PORT (default 3000).
 */
async function main(): Promise<void> {
  const env = { ...process.env };
  let topology: Topology | undefined;
  if (!env.REDIS_SENTINELS) {
    console.log('REDIS_SENTINELS is not set: starting a local Sentinel topology (redis-server on 127.0.0.1)...');
    topology = await startTopology({ acl: 'fixed', workDir: env.TOPOLOGY_DIR });
    env.REDIS_SENTINELS = topology.sentinelAddresses.map((a) => `${a.host}:${a.port}`).join(',');
    env.REDIS_MASTER_NAME = topology.masterName;
    env.REDIS_USERNAME = env.REDIS_SENTINEL_USERNAME = 'default';
    env.REDIS_PASSWORD = env.REDIS_SENTINEL_PASSWORD = topology.password;
  }
  let app;
  let url;
  try {
    ({ app, url } = await startSampleApp(cacheOptionsFromEnv(env), {
      host: env.HOST || '127.0.0.1',
      port: Number(env.PORT ?? 3000),
    }));
  } catch (error) {
    await topology?.stop();
    throw error;
  }
  const lines = [
    '',
    `Sample app listening on ${url}`,
    'Try:',
    `  curl -i ${url}/products            # cached 10 s under "products:all" (X-Cache: HIT on the 2nd call)`,
    `  curl -i ${url}/products/1          # cached per URL`,
    `  curl -i ${url}/products/report     # cache.wrap() around a slow (200 ms) computation`,
    `  curl -i -X POST -H 'content-type: application/json' -d '{"price": 42}' ${url}/products/1   # update, then invalidate`,
    `  curl -i ${url}/health              # Redis master, sentinels, failover state (503 when the cache cannot serve)`,
    `  curl -i ${url}/health/live         # liveness only`,
  ];
  if (topology) {
    const sentinel = topology.sentinelAddresses[0]!;
    // The generated password goes to a file readable by this user only, never to the console.
    const passwordFile = join(topology.workDir, 'password');
    await writeFile(passwordFile, topology.password, { mode: 0o600 });
    const cli = `REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -p ${sentinel.port} --user admin`;
    // The master changes with every failover: these commands ask the sentinels when they run.
    const masterPort = `$(${cli} SENTINEL get-master-addr-by-name ${topology.masterName} | tail -1)`;
    const masterPid = `$(REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -p ${masterPort} --user admin INFO server | sed -n 's/^process_id://p' | tr -d '\\r')`;
    lines.push(
      '',
      `Local topology in ${topology.workDir}: data nodes on ports ${topology.dataNodes.map((n) => n.port).join(', ')}, ` +
        `sentinels ${topology.sentinelAddresses.map((a) => a.port).join(', ')} (ACL users of the seed + additions; password in ${passwordFile}).`,
      'The current master (asks the sentinels, so it stays true after a failover):',
      `  ${cli} SENTINEL get-master-addr-by-name ${topology.masterName}`,
      'Trigger a failover by hand (planned switchover), as the sentinels\' admin user:',
      `  ${cli} SENTINEL FAILOVER ${topology.masterName}`,
      'Watch it happen:',
      `  ${cli} SUBSCRIBE +switch-master          # the announcement`,
      `  while sleep 0.2; do curl -s -o /dev/null -w '%{http_code} ' ${url}/products/1; done   # keeps answering 200`,
      'Crash the current master (hang it: kill -STOP, later kill -CONT):',
      `  kill -9 ${masterPid}`,
    );
  }
  lines.push('Ctrl-C stops the app' + (topology ? ' and the topology.' : '.'));
  console.log(lines.join('\n'));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping...`);
    await app.close().catch(() => undefined);
    await topology?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

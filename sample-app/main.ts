import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTopology, type Topology } from '../scripts/topology/topology.js';
import { AppModule } from './app.module.js';
import { cacheOptionsFromEnv } from './config/sample-config.js';

/**
 * Starts the sample app. Without REDIS_SENTINELS it first starts a local topology (1 master,
 * 2 replicas, 3 sentinels on 127.0.0.1, the seed's ACL users plus the documented additions) on free
 * ports, and stops it on exit.
 */
async function main(): Promise<void> {
  const env = { ...process.env };
  let topology: Topology | undefined;
  if (!env.REDIS_SENTINELS) {
    topology = await startTopology({ acl: 'fixed', workDir: env.TOPOLOGY_DIR });
    env.REDIS_SENTINELS = topology.sentinelAddresses.map((a) => `${a.host}:${a.port}`).join(',');
    env.REDIS_MASTER_NAME = topology.masterName;
    env.REDIS_USERNAME = env.REDIS_SENTINEL_USERNAME = 'default';
    env.REDIS_PASSWORD = env.REDIS_SENTINEL_PASSWORD = topology.password;
  }
  const app = await NestFactory.create(AppModule.forOptions(cacheOptionsFromEnv(env)));
  const port = Number(env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const lines = [`Sample app listening on ${url}`, `  curl ${url}/products`, `  curl ${url}/products/1`];
  if (topology) {
    const sentinel = topology.sentinelAddresses[0];
    // The generated password goes to a file readable by this user only, never to the console.
    const passwordFile = join(topology.workDir, 'password');
    await writeFile(passwordFile, topology.password, { mode: 0o600 });
    lines.push(
      `Local topology in ${topology.workDir} (master ${(await topology.currentMaster()).port}, sentinels ${topology.sentinelAddresses.map((a) => a.port).join(', ')}).`,
      'Trigger a failover by hand, as the sentinels\' admin user:',
      `  REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -p ${sentinel?.port} --user admin SENTINEL FAILOVER ${topology.masterName}`,
    );
  }
  console.log(lines.join('\n'));
  const stop = async () => {
    await app.close();
    await topology?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startTopology, type Topology } from '../../scripts/topology/topology.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/e2e/fixtures/consumer');

async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeout = 240_000) {
  try {
    return await run(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}

/** The package as users get it: build, pack, install the tarball with its peers into a new app. */
describe('the packed package, installed into a separate app', () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  let topology: Topology | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rsc-consumer-'));
    await sh('npm', ['run', 'build'], root);
    const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', dir], root);
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, packed!.filename);
    files = packed!.files.map((file) => file.path);
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    // The peers at the versions this repository tests with (from the npm cache when it has them).
    const peers = Object.keys(manifest.peerDependencies).map((name) => `${name}@${lock.packages[`node_modules/${name}`]!.version}`);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...peers, '@nestjs/platform-express'], dir);
    await cp(fixtures, dir, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await topology?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships compiled JavaScript and declarations only', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/health/index.js', 'dist/health/index.d.ts']));
    const unexpected = files.filter((file) => !/^(package\.json|README\.md|LICENSE|dist\/.*\.(js|d\.ts))$/.test(file));
    expect(unexpected).toEqual([]);
    expect(files.some((file) => file.startsWith('dist/') && /test|sample|scripts|bench/.test(file))).toBe(false);
  });

  it('exposes only the exports map entries', async () => {
    const script = "import('nestjs-redis-sentinel-cache/dist/store/redis-sentinel.store.js').then(() => console.log('leaked'), (e) => console.log(e.code))";
    const { stdout } = await sh('node', ['-e', script], dir);
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('works from plain ESM JavaScript against a real topology, with only its dependencies and peers installed', async () => {
    topology = await startTopology({ acl: 'fixed' });
    // A 15 s bound: after app.close() the process must exit by itself (no socket or timer left open).
    const { stdout } = await sh('node', ['consumer.mjs'], dir, {
      SENTINELS: JSON.stringify(topology.sentinelAddresses),
      REDIS_PASSWORD: topology.password,
    }, 15_000);
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { value: unknown; port: number };
    expect(result.value).toEqual({ hello: 'world' });
    expect(result.port).toBe((await topology.currentMaster()).port);
    expect(await topology.adminCommand(await topology.currentMaster(), 'EXISTS', 'consumer:greeting')).toBe(1);
  }, 60_000);

  it('type-checks a TypeScript app against the published declarations', async () => {
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        experimentalDecorators: true, emitDecoratorMetadata: true, skipLibCheck: true, types: [] },
      files: ['consumer.ts'],
    }));
    await expect(sh(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir)).resolves.toBeDefined();
  }, 120_000);
});

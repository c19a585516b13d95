import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { allocatePorts } from '../../scripts/topology/free-ports.js';
import { startTopology, type Topology } from '../../scripts/topology/topology.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/e2e/fixtures/consumers');
const CONSUMERS = ['nest11-cjs-express', 'nest11-cjs-fastify', 'nest12-esm-express', 'nest12-esm-fastify'] as const;

async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeout = 300_000) {
  try {
    return await run(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${stdout}\n${stderr}`);
  }
}

/**
 * The committed lockfiles name the tarball of the day they were made; npm installs whatever its cache
 * holds for that integrity (an old build) or fails with EINTEGRITY. Point them at the tarball just packed.
 */
async function pinTarball(lockfile: string, integrity: string) {
  const lock = JSON.parse(await readFile(lockfile, 'utf8')) as { packages: Record<string, { integrity?: string }> };
  const entry = lock.packages['node_modules/nestjs-redis-sentinel-cache'];
  if (!entry) throw new Error(`${lockfile} does not lock nestjs-redis-sentinel-cache`);
  entry.integrity = integrity;
  await writeFile(lockfile, `${JSON.stringify(lock, null, 2)}\n`);
}

/**
 * The package as users get it: build, pack, and install the tarball with plain `npm install` (no
 * --legacy-peer-deps, no --force) into four apps kept in test/e2e/fixtures/consumers with their own
 * lockfiles; each app is type-checked, built, and run against a real topology.
 */
describe('the packed package in Nest 11 / 12, CommonJS / ESM, Express / Fastify apps', () => {
  let dir: string;
  let files: string[];
  let topology: Topology | undefined;
  const apps = new Set<ChildProcess>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rsc-consumers-'));
    await sh('npm', ['run', 'build'], root);
    const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', dir], root);
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; integrity: string; files: Array<{ path: string }> }>;
    files = packed!.files.map((file) => file.path);
    // The consumers depend on file:../../nestjs-redis-sentinel-cache.tgz
    await rename(join(dir, packed!.filename), join(dir, 'nestjs-redis-sentinel-cache.tgz'));
    for (const name of CONSUMERS) {
      await cp(join(fixtures, name), join(dir, 'consumers', name), {
        recursive: true,
        filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
      });
      await pinTarball(join(dir, 'consumers', name, 'package-lock.json'), packed!.integrity);
    }
    // One npm cache for all four (npm's default); two installs at a time on a 2-core machine.
    for (const pair of [CONSUMERS.slice(0, 2), CONSUMERS.slice(2)]) {
      await Promise.all(pair.map((name) => sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], join(dir, 'consumers', name))));
    }
    topology = await startTopology({ acl: 'fixed' });
  }, 900_000);

  afterAll(async () => {
    for (const app of apps) if (app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
    await topology?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships LICENSE, both builds, their declarations and source maps with the sources inlined', async () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/esm/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json', 'dist/esm/health/index.d.ts', 'dist/cjs/health/index.d.ts']));
    expect(files.filter((file) => !/^(package\.json|README\.md|LICENSE|dist\/cjs\/package\.json|dist\/(esm|cjs)\/.*\.(js|js\.map|d\.ts))$/.test(file))).toEqual([]);
    expect(files.some((file) => file.startsWith('dist/') && /test|sample|scripts|bench/.test(file))).toBe(false);
    const installed = join(dir, 'consumers', CONSUMERS[0], 'node_modules/nestjs-redis-sentinel-cache');
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const source = await readFile(join(installed, file), 'utf8');
      const comment = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(source);
      expect(comment).not.toBeNull();
      const mapFile = join(installed, file, '..', comment![1]!);
      const map = JSON.parse(await readFile(mapFile, 'utf8')) as { sources: string[]; sourcesContent?: string[] };
      expect(map.sourcesContent?.length).toBe(map.sources.length);
    }
  });

  describe.each(CONSUMERS)('%s', (name) => {
    const app = () => join(dir, 'consumers', name);

    it('installed with plain npm install: every peer satisfied (npm ls)', async () => {
      await expect(sh('npm', ['ls', '--all'], app())).resolves.toBeDefined();
    }, 60_000);

    it('type-checks and builds with its own TypeScript', async () => {
      await sh('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], app());
      await sh('npx', ['tsc', '-p', 'tsconfig.build.json'], app());
      expect((await readdir(join(app(), 'dist'))).includes('main.js')).toBe(true);
    }, 180_000);

    it('gets one instance of every export through require and import, and the Nest cache API of its @nestjs/cache-manager', async () => {
      const script = `
        const { createRequire } = await import('node:module');
        const require = createRequire(process.cwd() + '/package.json');
        const out = { differ: [] };
        for (const id of ['nestjs-redis-sentinel-cache', 'nestjs-redis-sentinel-cache/health']) {
          const [required, imported] = [require(id), await import(id)];
          out.differ.push(...Object.keys(required).filter((k) => required[k] !== imported[k]).map((k) => id + ':' + k));
          out[id] = Object.keys(required).length;
        }
        const nest = require('@nestjs/cache-manager'), ours = require('nestjs-redis-sentinel-cache');
        out.sameNestApi = ['Cache', 'CACHE_MANAGER', 'CacheInterceptor', 'CacheKey', 'CacheTTL'].every((k) => nest[k] === ours[k]);
        console.log(JSON.stringify(out));`;
      const { stdout } = await sh('node', ['--input-type=module', '-e', script], app());
      const out = JSON.parse(stdout) as Record<string, unknown>;
      expect(out).toEqual({ differ: [], sameNestApi: true, 'nestjs-redis-sentinel-cache': expect.any(Number), 'nestjs-redis-sentinel-cache/health': 1 });
      const leak = "import('nestjs-redis-sentinel-cache/dist/esm/store/redis-sentinel.store.js').then(() => console.log('leaked'), (e) => console.log(e.code))";
      expect((await sh('node', ['-e', leak], app())).stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    }, 60_000);

    it('caches a @CacheKey route (handler once, X-Cache HIT), invalidates, reports the master on /health, exits within 5 s of SIGTERM', async () => {
      const [port] = await allocatePorts(1);
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: app(),
        env: {
          ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: String(port),
          REDIS_SENTINELS: topology!.sentinelAddresses.map((a) => `${a.host}:${a.port}`).join(','),
          REDIS_PASSWORD: topology!.password, REDIS_SENTINEL_PASSWORD: topology!.password,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      apps.add(child);
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const ok = await fetch(`${url}/health/live`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const get = async () => {
        const response = await fetch(`${url}/products`);
        return { status: response.status, cache: response.headers.get('x-cache'), loads: ((await response.json()) as { loads: number }).loads };
      };
      await fetch(`${url}/products/cache`, { method: 'DELETE' }); // a run before may have left the key
      const first = await get();
      const second = await get();
      expect([first, second]).toEqual([{ status: 200, cache: 'MISS', loads: 1 }, { status: 200, cache: 'HIT', loads: 1 }]);
      expect((await fetch(`${url}/products/cache`, { method: 'DELETE' })).status).toBe(204);
      expect(await get()).toEqual({ status: 200, cache: 'MISS', loads: 2 });

      const health = await fetch(`${url}/health`);
      const body = (await health.json()) as { info: { redis: { status: string; master: string; connectedTo: string } } };
      const master = await topology!.currentMaster();
      expect(health.status).toBe(200);
      expect(body.info.redis).toMatchObject({ status: 'up', master: `${master.host}:${master.port}`, connectedTo: `${master.host}:${master.port}` });
      expect(JSON.stringify(body)).not.toContain(topology!.password);

      const signalled = Date.now();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
        child.once('exit', (code, signal) => resolveExit({ code, signal })),
      );
      child.kill('SIGTERM');
      const result = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(r, 5_000, 'timeout'))]);
      expect(result).not.toBe('timeout');
      expect(Date.now() - signalled).toBeLessThan(5_000);
      // Nest's shutdown hooks re-raise SIGTERM once the app is closed.
      expect(result).toEqual({ code: null, signal: 'SIGTERM' });
    }, 60_000);
  });
});

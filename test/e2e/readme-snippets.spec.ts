import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const consumers = join(root, 'test/e2e/fixtures/consumers');
const read = (path: string) => readFile(path, 'utf8');

/** The README's Install and Use sections are what the packaging test's consumer apps contain. */
describe('README install and use snippets', () => {
  let readme: string;
  let blocks: string[];
  beforeAll(async () => {
    readme = await read(join(root, 'README.md'));
    blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  });

  it.each([
    ['nest11-cjs-express', ['app.module.ts', 'products.controller.ts', 'health.controller.ts', 'main.ts']],
    ['nest11-cjs-fastify', ['app.module.ts', 'products.controller.ts', 'health.controller.ts', 'main.ts']],
    ['nest12-esm-express', ['app.module.ts', 'products.controller.ts', 'health.controller.ts', 'main.ts']],
    ['nest12-esm-fastify', ['app.module.ts', 'products.controller.ts', 'health.controller.ts', 'main.ts']],
  ])('%s: every source file is a code block of the README', async (name, files) => {
    for (const file of files) expect(blocks).toContain(await read(join(consumers, name, 'src', file)));
  });

  it.each([
    ['nest11-cjs-express', '11', 'express'],
    ['nest11-cjs-fastify', '11', 'fastify'],
    ['nest12-esm-express', '12', 'express'],
    ['nest12-esm-fastify', '12', 'fastify'],
  ])('%s: its dependencies are the README install lines for Nest %s on %s', async (name, nest, platform) => {
    const lines = readme
      .split('\n')
      .filter((line) => line.startsWith('npm install ') && (line.includes(`@nestjs/core@${nest} `) || line.includes(`@nestjs/terminus@${nest} `)));
    expect(lines).toHaveLength(2);
    const wanted = lines
      .flatMap((line) => line.split('#')[0]!.trim().split(/\s+/).slice(2))
      .map((spec) => spec.replace('platform-express', `platform-${platform}`));
    const manifest = JSON.parse(await read(join(consumers, name, 'package.json'))) as { dependencies: Record<string, string> };
    const names = wanted.map((spec) => spec.replace(/(?<=.)@.*$/, ''));
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...names].sort());
    for (const spec of wanted) {
      const [, pkg, major] = /^(@?[^@]+)(?:@(\d+))?$/.exec(spec)!;
      if (major) expect(manifest.dependencies[pkg!]).toMatch(new RegExp(`^[\\^~]?${major}\\.`));
    }
  });
});

// The CommonJS build lives in a package that says `"type": "module"`: this marker makes Node and
// TypeScript read dist/cjs/**/*.js and *.d.ts as CommonJS.
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../../dist/cjs/package.json', import.meta.url), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

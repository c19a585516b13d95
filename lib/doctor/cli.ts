#!/usr/bin/env node
/** The package's bin: `npx nestjs-redis-sentinel-cache doctor [options]` (see --help). */
import { doctorMain } from './doctor-cli.js';

doctorMain(process.argv.slice(2), process.env, (output) => process.stdout.write(output)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A bug, not a verdict on the deployment: exit 2 (never 0 or 1, which CI would read as ok / warnings).
    process.stderr.write(`nestjs-redis-sentinel-cache doctor failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);

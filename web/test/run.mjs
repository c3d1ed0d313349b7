// Runs the unit tests on Node 20, which cannot run TypeScript: each test/*.test.ts is bundled with esbuild into
// a temporary directory and handed to `node --test`. TZ is fixed (a zone with a half-hour offset) so the
// local-time tests mean the same everywhere.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tests = (await readdir(here)).filter((name) => name.endsWith('.test.ts')).sort();
if (tests.length === 0) {
  console.error('no test files in web/test');
  process.exit(1);
}

const out = await mkdtemp(join(tmpdir(), 'sluice-web-test-'));
let status = 1;
try {
  await build({
    entryPoints: tests.map((name) => join(here, name)),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const files = tests.map((name) => join(out, name.replace(/\.ts$/, '.mjs')));
  const run = spawnSync(process.execPath, ['--test', ...files], {
    stdio: 'inherit',
    env: { ...process.env, TZ: 'Asia/Kolkata' },
  });
  status = run.status ?? 1;
} finally {
  await rm(out, { recursive: true, force: true });
}
process.exit(status);

// npm test: bundles the unit tests with esbuild (so modules resolve exactly as in the widget
// build) into a temporary directory, then runs them with node's test runner.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'liege-chat-tests-'));
const entryPoints = readdirSync(here).filter((name) => name.endsWith('.test.js'))
  .map((name) => join(here, name));
try {
  await build({ entryPoints, outdir: out, bundle: true, platform: 'node', format: 'esm',
    logLevel: 'warning', outExtension: { '.js': '.mjs' } });
  const files = readdirSync(out).map((name) => join(out, name));
  const result = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}

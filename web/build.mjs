// Builds the widget into dist/: the launcher (liege-chat.js), the lazily loaded chat chunk,
// and the demo page from public/. Usage: npm run build [-- --watch]
import { build, context } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const watch = process.argv.includes('--watch');

const options = {
  entryPoints: { 'liege-chat': join(here, 'src', 'embed.js') },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['chrome100', 'edge100', 'firefox100', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  loader: { '.css': 'text' },
  logLevel: 'info',
  metafile: true,
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(here, 'public'), dist, { recursive: true });

if (watch) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  const result = await build(options);
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, info]) => `${file.replace(/^.*dist\//, 'dist/')} ${(info.bytes / 1024).toFixed(0)} KiB`);
  console.log(sizes.join('\n'));
}

// Bundles the CLI into dist/bundle/ with esbuild, split per command so each
// command still loads only what it needs. Loading one file instead of the
// hundreds inside yaml, commander and friends is what keeps `golive
// --version` and `golive validate` close to bare `node` start-up
// (measured by bench/startup.mjs). tsc still type-checks and emits dist/
// modules for the benchmarks that import single layers.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names change with their content: start empty so stale ones do not pile up.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addon: loaded from node_modules at run time. pg-native is pg's
  // optional libpq binding, which golive never asks for (pg's JavaScript client is bundled).
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies call require() for Node built-ins; give them one.
  banner: { js: "import { createRequire as __goliveCreateRequire } from 'node:module'; const require = __goliveCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // Less to parse at every start; names are kept so GOLIVE_DEBUG stacks stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
});

// Bundles the CLI into dist/bundle/ with esbuild: the application in one
// CommonJS file named by its content hash (app-<hash>.cjs), and the small
// launcher bin/golive.js requires (main.cjs, from src/cli/launch.ts), which
// answers --version and runs the application with a V8 code cache.
// One file instead of the hundreds inside yaml, commander and friends, and
// code V8 need not compile again, are what keep golive's commands close to
// bare `node` start-up (measured by bench/startup.mjs and bench/journal.mjs).
// Modules reached by import() stay lazy inside the bundle: their code runs
// only when a command imports them. tsc still type-checks and emits dist/
// modules for the benchmarks that import single layers.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  // Less to read at every start; names are kept so GOLIVE_DEBUG stacks stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
};

// File names change with their content: start empty so stale ones do not pile up.
rmSync('dist/bundle', { recursive: true, force: true });
mkdirSync('dist/bundle', { recursive: true });

// CommonJS throughout: starting node on an ES module costs its module loader (~5 ms) before anything runs.
const commonJs = {
  ...common,
  format: 'cjs',
  // The sources are ES modules, strict throughout, and find their files from import.meta.url: keep both true in CommonJS.
  banner: { js: "'use strict';const __goliveModuleUrl=require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__goliveModuleUrl' },
};

const app = await build({
  ...commonJs,
  entryPoints: ['src/cli/main.ts'],
  write: false,
  outfile: 'dist/bundle/app.cjs',
  // Native addon: loaded from node_modules at run time. pg-native is pg's
  // optional libpq binding, which golive never asks for (pg's JavaScript client is bundled).
  external: ['better-sqlite3', 'pg-native'],
});
const [appOutput] = app.outputFiles;
const appFile = `app-${createHash('sha256').update(appOutput.contents).digest('hex').slice(0, 16)}.cjs`;
writeFileSync(`dist/bundle/${appFile}`, appOutput.contents);

await build({
  ...commonJs,
  entryPoints: ['src/cli/launch.ts'],
  outfile: 'dist/bundle/main.cjs',
  define: { ...commonJs.define, GOLIVE_APP_FILE: JSON.stringify(appFile) },
});

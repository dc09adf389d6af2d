#!/usr/bin/env node
/**
 * Precompiles schemas/runbook.schema.json into dist/runbook/schema-validator.cjs,
 * so that `golive` validates runbooks without loading or compiling ajv at
 * start-up. Run by `npm run build` before tsc; prints nothing on success.
 *
 * The output is CommonJS on purpose: ajv's standalone code still contains
 * `require("ajv/dist/runtime/...")` for some keywords (minLength needs
 * ucs2length), even when asked for ESM.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaFile = join(root, 'schemas', 'runbook.schema.json');
const outFile = join(root, 'dist', 'runbook', 'schema-validator.cjs');

/*
 * - allErrors: the loader reports every problem at once, not the first.
 * - strict: unknown keywords, misplaced types and the like fail the build.
 * - strictRequired off: `required` inside if/then/else names keys declared in
 *   the surrounding `properties`, which ajv's check cannot see (it runs before
 *   them); test/unit/schema-drift.test.ts checks those names instead.
 * - allowUnionTypes: durations are string-or-number, validations and
 *   rollbacks string-or-object, variable values string-number-or-boolean.
 */
const options = {
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  code: { source: true, esm: false },
};

try {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  const ajv = new Ajv2020.default(options);
  // The editor's wording for a pattern (yaml-language-server and VS Code read
  // it); golive's own message for the same mistake comes from schema-errors.ts.
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  const source = standaloneCode.default(ajv, ajv.compile(schema));
  mkdirSync(dirname(outFile), { recursive: true });
  // The runtime helpers ajv's code requires are inlined and the whole minified
  // (names kept): one small file to parse at start-up, no node_modules lookups.
  const bundled = await build({
    stdin: { contents: source, resolveDir: root, loader: 'js', sourcefile: 'schema-validator.cjs' },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(outFile, `// Generated from schemas/runbook.schema.json by scripts/build-validator.mjs. Do not edit.\n${bundled.outputFiles[0].text}`);
} catch (error) {
  console.error(`build-validator: ${schemaFile}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

#!/usr/bin/env node
// Tiny launcher: all behaviour lives in dist/bundle/main.js (built by `npm run build`).
import('../dist/bundle/main.js')
  .then((cli) => cli.main(process.argv))
  .catch((error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write('golive: not built yet. Run `npm run build` (npm ci does it for you).\n');
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`golive: internal error: ${error?.message}\n`);
    process.exitCode = 70;
  });

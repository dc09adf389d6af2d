#!/usr/bin/env node
// Tiny launcher: dist/bundle/main.cjs (built by `npm run build`) starts the bundled application.
// CommonJS (bin/package.json says so): an ES module entry costs node's module loader at every start.
function launchFailed(error) {
  if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND')) {
    process.stderr.write('golive: not built yet. Run `npm run build` (npm ci does it for you).\n');
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`golive: internal error: ${error?.message}\n`);
  process.exitCode = 70;
}
try {
  require('../dist/bundle/main.cjs').main(process.argv).catch(launchFailed);
} catch (error) {
  launchFailed(error);
}

/**
 * Installs the vendor CLIs pinned in the repo's mittelo.lock.json into the CLI cache
 * (core/lock/cli-cache.ts) for the real-CLI integration test:
 *
 *   node dist/scripts/real-clis.js [--json]     # after `npm run build`; prints binary paths
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureRealClis } from '../core/lock/cli-cache.js';

export * from '../core/lock/cli-cache.js';

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const installed = await ensureRealClis();
  if (json) process.stdout.write(`${JSON.stringify(installed, null, 2)}\n`);
  else for (const cli of installed) process.stdout.write(`${cli.binary}\t${cli.version}\t${cli.bin}${cli.pathPrefix ? `\t(PATH first: ${cli.pathPrefix})` : ''}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`real-clis: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

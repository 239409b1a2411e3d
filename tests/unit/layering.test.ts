/**
 * The layering of core (docs/ARCHITECTURE.md, "Layers") is enforced by eslint.config.js, which
 * `npm test` runs over the whole tree. These cases make sure the rules catch a violation, static or
 * dynamic, and let the allowed direction through: lint clean today proves nothing if the rule
 * could not fail.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The layering complaints eslint makes about `code` as if it were the file `file` of the repo. */
async function complaints(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('core layering', () => {
  it.each([
    ['core/runs/service.ts', '../session/run-pack.js'],
    ['core/queue/queue.ts', '../app/app-core.js'],
    ['core/store/runs.ts', '../cli/options.js'],
    ['core/wire/jsonl-server.ts', '../mcp/tools.js'],
    ['core/agent/agent.ts', '../session/connect.js'],
    ['core/hub.ts', './session/connect.js'],
  ])('the hub side may not import the client layers: %s importing %s', async (file, target) => {
    const found = await complaints(file, `import { x } from '${target}';\nexport { x };\n`);
    expect(found.join('\n')).toContain('the hub side');
    const dynamic = await complaints(file, `export const later = () => import('${target}');\n`);
    expect(dynamic.join('\n')).toContain('the hub side');
  });

  it('core/session may not import the app, the CLI or the MCP adapter', async () => {
    for (const target of ['../app/workspace.js', '../cli/options.js', '../mcp/server.js']) {
      expect((await complaints('core/session/connect.ts', `import { x } from '${target}';\nexport { x };\n`)).join('\n')).toContain('core/session is the client layer');
      expect((await complaints('core/session/connect.ts', `export const later = () => import('${target}');\n`)).join('\n')).toContain('core/session is the client layer');
    }
  });

  it('the allowed direction passes: shells on the session, the session on the hub side', async () => {
    expect(await complaints('core/cli/run-commands.ts', "import { runPack } from '../session/run-pack.js';\nexport { runPack };\n")).toEqual([]);
    expect(await complaints('core/app/app-workspace.ts', "import { openHub } from '../session/open-hub.js';\nexport { openHub };\n")).toEqual([]);
    expect(await complaints('core/session/connect.ts', "import { HubClient } from '../wire/client.js';\nexport const later = () => import('../hub.js');\nexport { HubClient };\n")).toEqual([]);
    expect(await complaints('core/runs/service.ts', "import { RunStore } from '../store/runs.js';\nexport { RunStore };\n")).toEqual([]);
  });

  it('the shell rules still hold in the layered folders (electron is never imported by core)', async () => {
    expect((await complaints('core/runs/service.ts', "import { app } from 'electron';\nexport { app };\n")).join('\n')).toContain('never import electron');
    expect((await complaints('core/session/connect.ts', "import { app } from 'electron';\nexport { app };\n")).join('\n')).toContain('never import electron');
  });
});

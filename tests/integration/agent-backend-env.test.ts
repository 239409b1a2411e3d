/** Per-backend `env` (mittelo.config.json) reaches only that backend's processes, and is redacted when secret. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkspaceConfig, specFromSettings } from '../../core/agent/config.js';
import { executeTask } from '../../core/agent/execute.js';
import { servedBackend } from '../../core/agent/served.js';
import { leasedTask as leased } from '../agent-helpers.js';
import { tempDir } from '../helpers.js';

describe('per-backend env from mittelo.config.json', () => {
  it('is set for that backend only, and a secret-looking value never appears in the artifact', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'mittelo.config.json'),
      JSON.stringify({ backends: { shell: { options: { shell_cmd: 'printenv ENDPOINT_URL SERVICE_API_KEY' }, env: { ENDPOINT_URL: 'https://example.test/v1', SERVICE_API_KEY: 'sk-test-abcdefghijklmnop' } } } }),
    );
    const config = loadWorkspaceConfig(undefined, dir);
    const backend = servedBackend(specFromSettings('shell', config.backends.shell), null);
    const ack = await executeTask(backend, leased('ignored'), { workerId: 'w', signal: new AbortController().signal });
    expect(ack.status).toBe('done');
    expect(ack.result).toContain('https://example.test/v1');
    expect(JSON.stringify(ack)).not.toContain('sk-test-abcdefghijklmnop');
    expect(ack.result).toContain('[REDACTED]');

    // Another backend, without that env, does not see it.
    const other = servedBackend({ name: 'shell', options: { shell_cmd: 'printenv ENDPOINT_URL' } }, null);
    const plain = await executeTask(other, leased('ignored'), { workerId: 'w', signal: new AbortController().signal });
    expect(plain.status).toBe('failed');
    expect(plain.result ?? '').not.toContain('example.test');
  });

  it('a proxy URL with credentials reaches the CLI whole, and its password appears nowhere in the ack', async () => {
    const proxy = 'http://proxy-user:proxy-pass-123@proxy.example:3128';
    // The model setting holding the password stands for anything the ack adds beside the run itself.
    const spec = { name: 'shell', options: { shell_cmd: 'printenv HTTPS_PROXY' }, env: { HTTPS_PROXY: proxy }, model: 'proxy-pass-123' };
    const ack = await executeTask(servedBackend(spec, null), leased('ignored'), { workerId: 'w', signal: new AbortController().signal });
    expect(ack.status).toBe('done');
    const hidden = 'http://proxy-user:[REDACTED]@proxy.example:3128';
    expect(ack.result?.trim()).toBe(hidden);
    expect(ack.artifact.env?.HTTPS_PROXY).toBe(hidden);
    expect(JSON.stringify(ack)).not.toContain('proxy-pass-123');
  });

  it('a bad variable name in the config is refused, naming the field', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'mittelo.config.json'), JSON.stringify({ backends: { glm: { env: { 'BAD-NAME': 'x' } } } }));
    expect(() => loadWorkspaceConfig(undefined, dir)).toThrow(/backends\.glm\.env\.BAD-NAME/);
  });
});

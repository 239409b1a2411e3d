/**
 * The `mittelo-app://app/` scheme: the built renderer (dist/renderer) read through the same
 * confined lookup as browser mode, every answer with the app's CSP and security headers.
 */
import fs from 'node:fs/promises';
import { protocol } from 'electron';
import { SECURITY_HEADERS } from '../../core/app/csp.js';
import { NOT_BUILT_PAGE, resolveStatic } from '../../core/app/static-files.js';
import { APP_ORIGIN, APP_SCHEME } from './window-options.js';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveRenderer(rendererDir: string | null): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (`${url.protocol}//${url.host}` !== APP_ORIGIN || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    }
    const answer = resolveStatic(rendererDir, url.pathname);
    if (answer.kind === 'not_built') return new Response(NOT_BUILT_PAGE, { status: 503, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' } });
    if (answer.kind === 'not_found') return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(await fs.readFile(answer.file), { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': answer.type } });
  });
}

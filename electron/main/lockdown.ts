/**
 * Nothing but the app's own page, ever: no navigation or redirect away, no new windows, no
 * webviews, no permission prompts, and the CSP on every response. Takes the objects as arguments
 * (no `electron` import at run time) so a plain Node test can drive it with fakes.
 */
import type { Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../core/app/csp.js';
import { isAppUrl } from './window-options.js';

type Guarded = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

export function lockDownContents(contents: Guarded): void {
  const stayInApp = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

type Guardable = {
  setPermissionRequestHandler: Session['setPermissionRequestHandler'];
  setPermissionCheckHandler: Session['setPermissionCheckHandler'];
  webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
};

export function lockDownSession(session: Guardable): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  // The app scheme sends its own CSP; this covers anything else a response might carry.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

/**
 * The desktop window's security, checked under plain Node (Electron's binary cannot run here): the
 * BrowserWindow options, the CSP, the navigation/permission lockdown, and that the preload exposes
 * exactly `window.mittelo` with `call` and `subscribe` over the contract's two IPC channels.
 */
import { describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type UiEvent } from '../../core/api.js';
import { lockDownContents, lockDownSession } from '../../electron/main/lockdown.js';
import { APP_START_URL, CONTENT_SECURITY_POLICY, isAppUrl, secureWindowOptions } from '../../electron/main/window-options.js';
import { createMitteloApi, exposeMitteloApi, type IpcLike } from '../../electron/preload/expose.js';

describe('window options', () => {
  const options = secureWindowOptions('/app/out/preload/index.cjs');

  it('isolate the page: context isolation and sandbox on, no Node in the page, web security on', () => {
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('the page comes from the app scheme, never from the network or file://', () => {
    expect(isAppUrl(APP_START_URL)).toBe(true);
    expect(isAppUrl('mittelo-app://app/assets/index.js')).toBe(true);
    for (const url of ['https://example.com/', 'http://127.0.0.1:8780/', 'file:///etc/passwd', 'mittelo-app://other/index.html', 'javascript:alert(1)', 'not a url']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });
});

describe('content security policy', () => {
  const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

  it('allows only the app itself: no inline or eval script, no remote hosts, no framing', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
  });
});

describe('lockdown', () => {
  function fakeContents() {
    const handlers = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, handler: (event: { preventDefault(): void }, url?: string) => void) => handlers.set(name, handler),
      setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => (openHandler = handler),
    };
    lockDownContents(contents as unknown as Parameters<typeof lockDownContents>[0]);
    const fire = (name: string, url?: string) => {
      const event = { preventDefault: vi.fn() };
      handlers.get(name)?.(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    return { fire, open: (url: string) => openHandler?.({ url }) };
  }

  it('navigation away from the app and redirects out of it are blocked; the app itself may reload', () => {
    const { fire } = fakeContents();
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'file:///home/user/.ssh/id_rsa')).toBe(true);
    expect(fire('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(fire('will-navigate', APP_START_URL)).toBe(false);
  });

  it('new windows and webviews are refused', () => {
    const { fire, open } = fakeContents();
    expect(open('https://example.com/')).toEqual({ action: 'deny' });
    expect(open(APP_START_URL)).toEqual({ action: 'deny' });
    expect(fire('will-attach-webview')).toBe(true);
  });

  it('permission requests are denied and every response carries the CSP', () => {
    let request: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    let headers: ((details: { responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | undefined;
    lockDownSession({
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
      webRequest: { onHeadersReceived: (h: typeof headers) => (headers = h) },
    } as unknown as Parameters<typeof lockDownSession>[0]);
    const granted = vi.fn();
    request?.({}, 'media', granted);
    expect(granted).toHaveBeenCalledWith(false);
    expect(check?.()).toBe(false);
    const answer = vi.fn();
    headers?.({ responseHeaders: { 'X-Other': ['1'] } }, answer);
    expect(answer).toHaveBeenCalledWith({ responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
});

function fakeIpc() {
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const invoke = vi.fn<IpcLike['invoke']>();
  const ipc: IpcLike = {
    invoke,
    on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'main' }, payload);
  };
  return { ipc, invoke, emit, listeners };
}

describe('preload', () => {
  it('exposes exactly window.mittelo, with call and subscribe and nothing else', () => {
    const exposed: [string, unknown][] = [];
    exposeMitteloApi({ exposeInMainWorld: (key, api) => exposed.push([key, api]) }, fakeIpc().ipc);
    expect(exposed.map(([key]) => key)).toEqual(['mittelo']);
    const api = exposed[0]?.[1] as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['call', 'subscribe']);
    expect(typeof api.call).toBe('function');
    expect(typeof api.subscribe).toBe('function');
  });

  it('the real preload entry exposes only that, through contextBridge and ipcRenderer', async () => {
    const exposeInMainWorld = vi.fn();
    vi.doMock('electron', () => ({ contextBridge: { exposeInMainWorld }, ipcRenderer: fakeIpc().ipc }));
    await import('../../electron/preload/index.js');
    expect(exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(exposeInMainWorld.mock.calls[0]?.[0]).toBe('mittelo');
    vi.doUnmock('electron');
  });

  it('call sends (name, input) on the call channel and unwraps the answer; errors keep code, message and detail', async () => {
    const { ipc, invoke } = fakeIpc();
    const api = createMitteloApi(ipc);
    invoke.mockResolvedValueOnce({ ok: true, result: { task_id: 7 } });
    await expect(api.call('tasks.enqueue', { prompt: 'hi' })).resolves.toEqual({ task_id: 7 });
    expect(invoke).toHaveBeenCalledWith(IPC_CALL_CHANNEL, 'tasks.enqueue', { prompt: 'hi' });
    invoke.mockResolvedValueOnce({ ok: false, error: { code: 'bad_input', message: 'Prompt must not be blank.', detail: '[]' } });
    await expect(api.call('tasks.enqueue', { prompt: ' ' })).rejects.toEqual({ code: 'bad_input', message: 'Prompt must not be blank.', detail: '[]' });
    invoke.mockResolvedValueOnce('garbage');
    await expect(api.call('hub.status', {})).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('subscribe hears UiEvents on the event channel until unsubscribed', () => {
    const { ipc, emit, listeners } = fakeIpc();
    const api = createMitteloApi(ipc);
    const heard: UiEvent[] = [];
    const unsubscribe = api.subscribe((event) => heard.push(event));
    emit(IPC_EVENT_CHANNEL, { kind: 'connection', online: true, reconnecting: false });
    unsubscribe();
    emit(IPC_EVENT_CHANNEL, { kind: 'connection', online: false, reconnecting: true });
    expect(heard).toEqual([{ kind: 'connection', online: true, reconnecting: false }]);
    expect(listeners.get(IPC_EVENT_CHANNEL)?.size).toBe(0);
  });
});

/** Whatever a transport throws reaches the pages as one ApiCallError with a code and plain words. */
import { describe, expect, it } from 'vitest';
import { ApiCallError, fromHttpAnswer, plainMessage, toApiCallError } from '../../renderer/src/api/errors.js';
import { createHttpTransport } from '../../renderer/src/api/http.js';

describe('toApiCallError', () => {
  it('keeps the bridge error shape (plain object or Error with a code) and names the call', () => {
    const plain = toApiCallError({ code: 'not_found', message: 'There is no task 9.', detail: 'tasks.get 9' }, 'tasks.get');
    expect(plain).toBeInstanceOf(ApiCallError);
    expect(plain).toMatchObject({ code: 'not_found', message: 'There is no task 9.', detail: 'tasks.get 9', call: 'tasks.get' });
    const coded = Object.assign(new Error('busy'), { code: 'conflict' });
    expect(toApiCallError(coded)).toMatchObject({ code: 'conflict', message: 'busy' });
  });

  it("unwraps Electron's flattened IPC error, with or without a JSON ApiError inside", () => {
    const json = new Error(`Error invoking remote method 'mittelo:call': Error: {"code":"conflict","message":"task 3 is already done"}`);
    expect(toApiCallError(json)).toMatchObject({ code: 'conflict', message: 'task 3 is already done' });
    const text = new Error(`Error invoking remote method 'mittelo:call': Error: the database is locked`);
    expect(toApiCallError(text)).toMatchObject({ code: 'internal', message: 'the database is locked' });
  });

  it('maps a fetch that cannot reach the server to "unreachable" in plain words', () => {
    const error = toApiCallError(new TypeError('Failed to fetch'), 'hub.status');
    expect(error.code).toBe('unreachable');
    expect(error.detail).toBe('Failed to fetch');
    expect(plainMessage(error)).toMatch(/Could not reach the Mittelo app/);
  });

  it('never throws and keeps unknown values as detail', () => {
    expect(toApiCallError('boom')).toMatchObject({ code: 'internal', detail: 'boom' });
    expect(toApiCallError(null).message).toBe('Something went wrong.');
    const same = new ApiCallError({ code: 'x', message: 'y' });
    expect(toApiCallError(same)).toBe(same);
  });
});

describe('fromHttpAnswer', () => {
  it('reads {ok:true,result} and {ok:false,error}', () => {
    expect(fromHttpAnswer(200, { ok: true, result: { task_id: 1 } }, 'tasks.enqueue')).toEqual({ result: { task_id: 1 } });
    const answer = fromHttpAnswer(400, { ok: false, error: { code: 'bad_input', message: 'prompt: must not be blank' } }, 'tasks.enqueue');
    expect('error' in answer && answer.error).toMatchObject({ code: 'bad_input', message: 'prompt: must not be blank', call: 'tasks.enqueue' });
  });

  it('explains a 401 without a body and keeps an unreadable answer as detail', () => {
    const auth = fromHttpAnswer(401, null, 'hub.status');
    expect('error' in auth && auth.error.code).toBe('unauthorized');
    const odd = fromHttpAnswer(502, '<html>bad gateway</html>', 'hub.status');
    expect('error' in odd && odd.error).toMatchObject({ code: 'bad_response' });
    expect('error' in odd && odd.error.detail).toContain('HTTP 502');
  });
});

describe('createHttpTransport', () => {
  it('POSTs JSON to api/call/<name> and returns the result', async () => {
    const seen: { url: string; body: string }[] = [];
    const transport = createHttpTransport({
      baseUrl: '/',
      fetch: async (url, init) => {
        seen.push({ url: String(url), body: String(init?.body) });
        return new Response(JSON.stringify({ ok: true, result: { task_id: 7 } }), { status: 200 });
      },
    });
    await expect(transport.call('tasks.enqueue', { prompt: 'hi' })).resolves.toEqual({ task_id: 7 });
    expect(seen).toEqual([{ url: '/api/call/tasks.enqueue', body: '{"prompt":"hi"}' }]);
  });

  it('throws an ApiCallError for an error answer and for a network failure', async () => {
    const failing = createHttpTransport({
      fetch: async () => new Response(JSON.stringify({ ok: false, error: { code: 'conflict', message: 'no' } }), { status: 409 }),
    });
    await expect(failing.call('tasks.cancel', { task_id: 1 })).rejects.toMatchObject({ code: 'conflict', call: 'tasks.cancel' });
    const down = createHttpTransport({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(down.call('hub.status', {})).rejects.toMatchObject({ code: 'unreachable' });
  });
});

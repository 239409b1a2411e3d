/**
 * JSON-RPC 2.0 over newline-delimited JSON, both directions: our requests with their pending answers,
 * and the agent's requests and notifications handed to the caller. Lines that are not JSON-RPC are
 * kept aside (some agents log to stdout); whether they matter is the caller's decision.
 */
import { ACP_ERROR, rpcMessageSchema } from './protocol.js';

/** An error answer from the agent, with its own code and message. */
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** The connection ended (process exit, timeout, cancel) before the answer came. */
export class PeerClosedError extends Error {
  constructor(readonly method: string, reason: string) {
    super(reason);
    this.name = 'PeerClosedError';
  }
}

export interface PeerHandlers {
  /** Answers an agent -> client request; throw RpcError to answer with an error. */
  request(method: string, params: unknown): Promise<unknown>;
  notification(method: string, params: unknown): void;
}

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** How many stray lines are kept for the failure message. */
const MAX_STRAY_LINES = 5;

export class JsonRpcPeer {
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  private closedReason: string | null = null;
  /** Lines that were not JSON-RPC 2.0 messages (the first few), and how many there were. */
  readonly strayLines: string[] = [];
  strayCount = 0;
  /** Whether any well-formed answer to one of our requests arrived. */
  answered = false;

  constructor(
    private readonly write: (line: string) => void,
    private readonly handlers: PeerHandlers,
  ) {}

  request(method: string, params: unknown): Promise<unknown> {
    if (this.closedReason !== null) return Promise.reject(new PeerClosedError(method, this.closedReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(String(id), { method, resolve, reject });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    if (this.closedReason === null) this.send({ jsonrpc: '2.0', method, params });
  }

  /** Feeds one line of the agent's stdout. */
  receive(line: string): void {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.stray(line);
      return;
    }
    const parsed = rpcMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.stray(line);
      return;
    }
    const message = parsed.data;
    const id = message.id ?? null;
    if (message.method !== undefined) {
      if (id !== null) void this.answer(id, message.method, message.params);
      else this.handlers.notification(message.method, message.params);
      return;
    }
    const pending = id !== null ? this.pending.get(String(id)) : undefined;
    if (!pending) {
      this.stray(line);
      return;
    }
    this.pending.delete(String(message.id));
    this.answered = true;
    if (message.error) pending.reject(new RpcError(pending.method, message.error.code, message.error.message, message.error.data));
    else pending.resolve(message.result ?? null);
  }

  /** Rejects every pending request; later requests fail at once. */
  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const [key, p] of this.pending) {
      this.pending.delete(key);
      p.reject(new PeerClosedError(p.method, reason));
    }
  }

  private async answer(id: number | string, method: string, params: unknown): Promise<void> {
    try {
      const result = await this.handlers.request(method, params);
      this.send({ jsonrpc: '2.0', id, result });
    } catch (err) {
      const error =
        err instanceof RpcError
          ? { code: err.code, message: err.message }
          : { code: ACP_ERROR.internal, message: err instanceof Error ? err.message : String(err) };
      this.send({ jsonrpc: '2.0', id, error });
    }
  }

  private send(message: object): void {
    if (this.closedReason === null) this.write(`${JSON.stringify(message)}\n`);
  }

  private stray(line: string): void {
    this.strayCount += 1;
    if (this.strayLines.length < MAX_STRAY_LINES) this.strayLines.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
  }
}

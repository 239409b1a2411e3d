/**
 * The agent's stdout lines and stdin as an ACP SDK `Stream` (JSON-RPC messages both ways), for the
 * SDK's connection to read and write.
 *
 * Not the SDK's `ndJsonStream`, because a one-shot client has to explain failures: that stream
 * answers every line that is not JSON with a parse error sent to the agent and forgets the line
 * (agents log to stdout at times), and it ends the connection on an over-long line. Here such lines,
 * and answers to requests we never sent (which the SDK would log on our stderr), are kept aside
 * instead: whether they matter is the caller's decision (they do when the agent never answers).
 * Framing and the line-length bound are AgentProcess's (drivers/acp/process.ts).
 *
 * `session/update` notifications go to `onUpdate` in arrival order and not to the SDK: its client
 * app checks every update against its own v1 schema first and drops, with a line on our stderr, any
 * update kind newer than the SDK and any update missing a field the spec requires (a message chunk
 * lost that way would be part of the answer lost). They are read loosely instead (protocol.ts).
 */
import { methods, type AnyMessage, type Stream } from '@agentclientprotocol/sdk';
import { z } from 'zod';

/** How many stray lines are kept for the failure message. */
const MAX_STRAY_LINES = 5;

const id = z.union([z.number(), z.string()]);

/** Any JSON-RPC 2.0 message; which kind it is follows from the presence of `method` and `id`. */
const messageSchema = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([id, z.null()]).optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.looseObject({ code: z.number(), message: z.string(), data: z.unknown().optional() }).optional(),
});

/** The message of a line, or null when the line is not a JSON-RPC message. */
function parseMessage(line: string): AnyMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) return null;
  const { id, method, params, result, error } = parsed.data;
  if (method !== undefined) return id === undefined ? { jsonrpc: '2.0', method, params } : { jsonrpc: '2.0', id, method, params };
  if (id === undefined || id === null) return null;
  if (error) return { jsonrpc: '2.0', id, error };
  // An answer without a result counts as `null`, which the caller's check of the answer then refuses.
  return { jsonrpc: '2.0', id, result: result ?? null };
}

export class AgentMessageStream {
  readonly stream: Stream;
  /** Lines that were not JSON-RPC messages for us (the first few), and how many there were. */
  readonly strayLines: string[] = [];
  strayCount = 0;
  /** Whether any well-formed answer to one of our requests arrived. */
  answered = false;
  /** Ids of our requests still waiting for their answer. */
  private readonly outstanding = new Set<string>();
  private controller: ReadableStreamDefaultController<AnyMessage> | null = null;
  private ended = false;

  constructor(
    write: (line: string) => void,
    private readonly onUpdate: (params: unknown) => void,
  ) {
    const readable = new ReadableStream<AnyMessage>({
      start: (controller) => {
        this.controller = controller;
      },
      // The connection closed and stopped reading: nothing more is queued for it.
      cancel: () => {
        this.ended = true;
      },
    });
    const writable = new WritableStream<AnyMessage>({
      write: (message) => {
        if ('method' in message && 'id' in message && message.id !== null) this.outstanding.add(String(message.id));
        write(`${JSON.stringify(message)}\n`);
      },
    });
    this.stream = { readable, writable };
  }

  /** Feeds one line of the agent's stdout. */
  receive(line: string): void {
    if (line.trim() === '') return;
    const message = parseMessage(line);
    if (message === null) return this.stray(line);
    if ('method' in message && !('id' in message) && message.method === methods.client.session.update) return this.onUpdate(message.params);
    if (!('method' in message)) {
      if (!this.outstanding.delete(String(message.id))) return this.stray(line);
      this.answered = true;
    }
    // Once the connection is closed (timeout, cancel) only the updates above still count: a late
    // chunk belongs to the partial answer.
    if (!this.ended) this.controller?.enqueue(message);
  }

  /** No more lines will come (the agent's output is closed). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.controller?.close();
  }

  private stray(line: string): void {
    this.strayCount += 1;
    if (this.strayLines.length < MAX_STRAY_LINES) this.strayLines.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
  }
}

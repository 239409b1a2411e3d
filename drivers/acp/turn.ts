/**
 * One ACP prompt turn as seen by the client: the answer assembled from `agent_message_chunk`s, the
 * tool calls from `tool_call`/`tool_call_update`, and permission requests answered by tool policy.
 * `client()` is the ACP SDK client app that answers the agent's requests; `onSessionUpdate` takes
 * the `session/update` notifications (straight from drivers/acp/stream.ts, which says why).
 */
import {
  client,
  methods,
  RequestError,
  type ClientApp,
  type PermissionOption,
  type RequestPermissionOutcome,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
} from '@agentclientprotocol/sdk';
import type { ToolCallRecord, ToolPolicy } from '../types.js';
import { readSessionUpdate, type SessionUpdate } from './protocol.js';

/** Tool kinds that only look: allowed under `read-only`. Anything else (edit, delete, move, execute, fetch, switch_mode, other, unknown) may change something. */
const READ_ONLY_KINDS = new Set(['read', 'search', 'think']);

/**
 * The answer to a permission request under `policy`:
 * - none: every tool is rejected (the run is a plain question);
 * - read-only: read/search/think kinds are allowed once, everything else rejected;
 * - workspace-write: everything is allowed once (the agent works in its own workdir).
 * Allowing prefers `allow_once`; rejecting prefers `reject_once`; with no fitting option the request
 * is answered `cancelled`, which the protocol defines as "not approved".
 */
export function decidePermission(
  policy: ToolPolicy,
  kind: string | null | undefined,
  options: Pick<PermissionOption, 'optionId' | 'kind'>[],
): { outcome: RequestPermissionOutcome; decision: 'allowed' | 'denied' | 'cancelled' } {
  const allow = policy === 'workspace-write' || (policy === 'read-only' && kind != null && READ_ONLY_KINDS.has(kind));
  const preferred = allow ? ['allow_once', 'allow_always'] : ['reject_once', 'reject_always'];
  for (const optionKind of preferred) {
    const option = options.find((o) => o.kind === optionKind);
    if (option) return { outcome: { outcome: 'selected', optionId: option.optionId }, decision: allow ? 'allowed' : 'denied' };
  }
  return { outcome: { outcome: 'cancelled' }, decision: 'cancelled' };
}

type ToolFields = { toolCallId: string; title?: string | null; kind?: string | null; status?: string | null };

export class AcpTurn {
  private answerParts: string[] = [];
  private readonly tools = new Map<string, ToolCallRecord>();
  /** Set once we cancel: permission requests from then on are answered `cancelled`, as the protocol requires. */
  cancelling = false;

  constructor(private readonly policy: ToolPolicy) {}

  get answer(): string {
    return this.answerParts.join('');
  }

  get toolCalls(): ToolCallRecord[] {
    return [...this.tools.values()];
  }

  /** The client side of the conversation: what the agent may ask of us and tell us. */
  client(): ClientApp {
    return (
      client({ name: 'mittelo' })
        // The SDK checks these params against the protocol's schema (a malformed request gets -32602).
        .onRequest(methods.client.session.requestPermission, ({ params }) => this.permission(params))
        // We advertise neither fs nor terminal, so a well-behaved agent never calls them.
        .onRequest('*', ({ method }) => {
          throw new RequestError(-32601, `${method} is not supported by this client (fs and terminal capabilities are off)`, { method });
        })
    );
  }

  /** One `session/update`'s params, read loosely (drivers/acp/protocol.ts): what we cannot read is skipped. */
  onSessionUpdate(params: unknown): void {
    const update = readSessionUpdate(params);
    if (update) this.update(update);
  }

  private update(update: SessionUpdate): void {
    switch (update.sessionUpdate) {
      case 'agent_message_chunk':
        if (update.content.type === 'text' && update.content.text !== undefined) this.answerParts.push(update.content.text);
        return;
      case 'agent_thought_chunk':
        return; // kept in the raw transcript, not part of the answer
      case 'tool_call':
      case 'tool_call_update':
        this.mergeTool(update);
        return;
    }
  }

  private mergeTool(fields: ToolFields): ToolCallRecord {
    const record = this.tools.get(fields.toolCallId) ?? { id: fields.toolCallId };
    // In updates, omitted and null both mean "unchanged".
    if (fields.title != null) record.title = fields.title;
    if (fields.kind != null) record.kind = fields.kind;
    if (fields.status != null) record.status = fields.status;
    this.tools.set(fields.toolCallId, record);
    return record;
  }

  private permission(params: RequestPermissionRequest): RequestPermissionResponse {
    const record = this.mergeTool(params.toolCall);
    if (this.cancelling) {
      record.permission = 'cancelled';
      return { outcome: { outcome: 'cancelled' } };
    }
    const { outcome, decision } = decidePermission(this.policy, record.kind, params.options);
    record.permission = decision;
    return { outcome };
  }
}

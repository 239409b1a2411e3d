/**
 * One ACP prompt turn as seen by the client: the answer assembled from `agent_message_chunk`s, the
 * tool calls from `tool_call`/`tool_call_update`, and permission requests answered by tool policy.
 */
import type { ToolCallRecord, ToolPolicy } from '../types.js';
import {
  ACP_ERROR,
  requestPermissionSchema,
  sessionNotificationSchema,
  sessionUpdateSchema,
  type PermissionOutcome,
  type RequestPermission,
} from './protocol.js';
import { RpcError, type PeerHandlers } from './rpc.js';

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
  options: RequestPermission['options'],
): { outcome: PermissionOutcome; decision: 'allowed' | 'denied' | 'cancelled' } {
  const allow = policy === 'workspace-write' || (policy === 'read-only' && kind != null && READ_ONLY_KINDS.has(kind));
  const preferred = allow ? ['allow_once', 'allow_always'] : ['reject_once', 'reject_always'];
  for (const optionKind of preferred) {
    const option = options.find((o) => o.kind === optionKind);
    if (option) return { outcome: { outcome: 'selected', optionId: option.optionId }, decision: allow ? 'allowed' : 'denied' };
  }
  return { outcome: { outcome: 'cancelled' }, decision: 'cancelled' };
}

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

  readonly handlers: PeerHandlers = {
    request: async (method, params) => {
      if (method === 'session/request_permission') return this.permission(params);
      // We advertise neither fs nor terminal, so a well-behaved agent never calls them.
      throw new RpcError(method, ACP_ERROR.methodNotFound, `${method} is not supported by this client (fs and terminal capabilities are off)`);
    },
    notification: (method, params) => {
      if (method === 'session/update') this.update(params);
    },
  };

  private update(params: unknown): void {
    const notification = sessionNotificationSchema.safeParse(params);
    if (!notification.success) return;
    // Unknown update kinds (plan, available_commands_update, newer ones) are not ours to interpret.
    const parsed = sessionUpdateSchema.safeParse(notification.data.update);
    if (!parsed.success) return;
    const update = parsed.data;
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

  private mergeTool(fields: { toolCallId: string; title?: string | null; kind?: string | null; status?: string | null }): ToolCallRecord {
    const record = this.tools.get(fields.toolCallId) ?? { id: fields.toolCallId };
    // In updates, omitted and null both mean "unchanged".
    if (fields.title != null) record.title = fields.title;
    if (fields.kind != null) record.kind = fields.kind;
    if (fields.status != null) record.status = fields.status;
    this.tools.set(fields.toolCallId, record);
    return record;
  }

  private permission(params: unknown): { outcome: PermissionOutcome } {
    const parsed = requestPermissionSchema.safeParse(params);
    if (!parsed.success) {
      throw new RpcError('session/request_permission', ACP_ERROR.invalidParams, `invalid session/request_permission params: ${parsed.error.message}`);
    }
    const record = this.mergeTool(parsed.data.toolCall);
    if (this.cancelling) {
      record.permission = 'cancelled';
      return { outcome: { outcome: 'cancelled' } };
    }
    const { outcome, decision } = decidePermission(this.policy, record.kind, parsed.data.options);
    record.permission = decision;
    return { outcome };
  }
}

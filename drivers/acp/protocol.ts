/**
 * The part of the Agent Client Protocol (ACP, protocol version 1, agentclientprotocol.com) a
 * one-shot client needs: what we send, and zod schemas for what agents send back. Schemas are loose
 * (unknown fields pass) because agents add `_meta` and newer optional fields freely.
 */
import { z } from 'zod';

export const ACP_PROTOCOL_VERSION = 1;

/** JSON-RPC error codes ACP uses besides the standard ones. */
export const ACP_ERROR = {
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  authRequired: -32000,
} as const;

// ---- Client -> agent -------------------------------------------------------------------------

export interface InitializeParams {
  protocolVersion: number;
  clientCapabilities: { fs: { readTextFile: boolean; writeTextFile: boolean }; terminal: boolean };
  clientInfo: { name: string; title: string; version: string };
}

export interface NewSessionParams {
  /** Absolute path; the agent works there whatever its own cwd is. */
  cwd: string;
  mcpServers: never[];
}

export interface PromptParams {
  sessionId: string;
  prompt: { type: 'text'; text: string }[];
}

export interface CancelParams {
  sessionId: string;
}

export type PermissionOutcome = { outcome: 'selected'; optionId: string } | { outcome: 'cancelled' };

// ---- Agent -> client -------------------------------------------------------------------------

const id = z.union([z.number(), z.string()]);

export const rpcErrorSchema = z.looseObject({
  code: z.number(),
  message: z.string(),
  data: z.unknown().optional(),
});

/** Any JSON-RPC 2.0 message; which kind it is follows from the presence of `method` and `id`. */
export const rpcMessageSchema = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([id, z.null()]).optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: rpcErrorSchema.optional(),
});

export const initializeResultSchema = z.looseObject({
  protocolVersion: z.number().int(),
  agentCapabilities: z.looseObject({}).optional(),
  agentInfo: z.looseObject({ name: z.string().optional(), version: z.string().optional() }).nullish(),
  authMethods: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).optional(),
});

export const newSessionResultSchema = z.looseObject({ sessionId: z.string().min(1) });

/** end_turn | max_tokens | max_turn_requests | refusal | cancelled; kept open for newer reasons. */
export const promptResultSchema = z.looseObject({ stopReason: z.string() });

const contentBlockSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

/** Fields shared by `tool_call` (title required there) and `tool_call_update` (all but the id optional). */
const toolCallFields = {
  toolCallId: z.string(),
  title: z.string().nullish(),
  kind: z.string().nullish(),
  status: z.string().nullish(),
};

export const sessionUpdateSchema = z.discriminatedUnion('sessionUpdate', [
  z.looseObject({ sessionUpdate: z.literal('agent_message_chunk'), content: contentBlockSchema }),
  z.looseObject({ sessionUpdate: z.literal('agent_thought_chunk'), content: contentBlockSchema }),
  z.looseObject({ sessionUpdate: z.literal('tool_call'), ...toolCallFields }),
  z.looseObject({ sessionUpdate: z.literal('tool_call_update'), ...toolCallFields }),
]);
export type SessionUpdate = z.infer<typeof sessionUpdateSchema>;

/** `session/update` params; `update` is checked separately so unknown update kinds are skipped, not errors. */
export const sessionNotificationSchema = z.looseObject({
  sessionId: z.string(),
  update: z.looseObject({ sessionUpdate: z.string() }),
});

export const PERMISSION_OPTION_KINDS = ['allow_once', 'allow_always', 'reject_once', 'reject_always'] as const;

export const requestPermissionSchema = z.looseObject({
  sessionId: z.string(),
  toolCall: z.looseObject(toolCallFields),
  options: z.array(z.looseObject({ optionId: z.string(), name: z.string().optional(), kind: z.string() })),
});
export type RequestPermission = z.infer<typeof requestPermissionSchema>;

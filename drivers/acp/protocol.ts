/**
 * What this client checks of the agent's messages on top of the ACP SDK (@agentclientprotocol/sdk,
 * stable v1), which gives the JSON-RPC connection, the protocol's types and its method names:
 * - the SDK types the answers to our requests but does not check them at run time, so the few fields
 *   we read are checked here (a wrong shape is a `bad_output` failure naming the answer);
 * - `session/update` is read loosely: the SDK's client refuses update kinds newer than itself and
 *   updates missing a field the spec requires, and logs each refusal on our stderr; here unknown
 *   kinds are skipped quietly and a missing field is left out of the tool record.
 * Unknown fields pass everywhere, because agents add `_meta` and newer optional fields freely.
 */
import type { SessionUpdate as SdkSessionUpdate } from '@agentclientprotocol/sdk';
import { z } from 'zod';

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

/** The update kinds this client reads; any other kind is not ours to interpret. */
export const sessionUpdateSchema = z.discriminatedUnion('sessionUpdate', [
  z.looseObject({ sessionUpdate: z.literal('agent_message_chunk'), content: contentBlockSchema }),
  z.looseObject({ sessionUpdate: z.literal('agent_thought_chunk'), content: contentBlockSchema }),
  z.looseObject({ sessionUpdate: z.literal('tool_call'), ...toolCallFields }),
  z.looseObject({ sessionUpdate: z.literal('tool_call_update'), ...toolCallFields }),
]);
export type SessionUpdate = z.infer<typeof sessionUpdateSchema>;

/**
 * Compile-time check that the loose reading is looser than the SDK: every update of those kinds that
 * the SDK's types allow fits our schema, so an SDK upgrade that changes them fails to compile here.
 */
type ReadKinds = Extract<SdkSessionUpdate, { sessionUpdate: SessionUpdate['sessionUpdate'] }>;
type Holds<T extends true> = T;
type _SdkUpdatesFit = Holds<ReadKinds extends z.input<typeof sessionUpdateSchema> ? true : false>;

/**
 * `session/update` params, or null for params this client cannot read (never an error: a
 * notification has no answer to carry one).
 */
export function readSessionUpdate(params: unknown): SessionUpdate | null {
  const notification = z.looseObject({ sessionId: z.string(), update: z.unknown() }).safeParse(params);
  if (!notification.success) return null;
  const update = sessionUpdateSchema.safeParse(notification.data.update);
  return update.success ? update.data : null;
}

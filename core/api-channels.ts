/**
 * The IPC channel names of the UI contract (core/api.ts re-exports them). Kept free of imports so
 * the sandboxed preload bundles these two strings and not the contract's schemas.
 */
export const IPC_CALL_CHANNEL = 'mittelo:call';
export const IPC_EVENT_CHANNEL = 'mittelo:event';

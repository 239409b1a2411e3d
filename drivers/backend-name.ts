/**
 * What a backend name is, in one place: the spelling every edge accepts (the wire, packs, the UI,
 * MCP) and the one routing spelling names are compared in. In drivers/, the lowest layer, so the
 * driver registry, core and the contract all share it; pure (zod only), so clients import it freely.
 */
import { z } from 'zod';

/** Letters, digits, `_ . -`; no leading dot or dash (never a path); at most 64 characters. */
export const BACKEND_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/**
 * Routing names are compared in one spelling, the one the driver registry accepts: lower case with
 * `_` for `-` (`Claude-Code` routes like `claude_code`). Aliases stay distinct (`glm` is not
 * `claude_code`: the same CLI, configured for another endpoint).
 */
export function normalizeBackendName(name: string): string {
  return name.trim().toLowerCase().replace(/-/g, '_');
}

/** A backend name as given (a folder backend's folder, a setting's key keep their spelling). */
export const backendName = z.string().regex(BACKEND_NAME_PATTERN, 'must be a backend name: letters, digits, _ . - (max 64)');

/** A backend name as the hub routes by it: checked, then in the routing spelling. */
export const routedBackendName = backendName.transform(normalizeBackendName);

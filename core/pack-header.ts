/**
 * A pack's optional header line, `{"pack": {"repeat": 5, "gate": {"min_repeats": 5, "alpha": 0.05}}}`:
 * how many times a run repeats each prompt by default, and the CI gate policy its comparisons use.
 * It may stand on any line of the pack (first is customary), at most once.
 */
import { z } from 'zod';
import { HubError } from './errors.js';

export const gatePolicySchema = z
  .object({
    min_repeats: z.number().int().min(1).max(1000),
    alpha: z.number().gt(0).lt(1),
    max_pass_rate_drop: z.number().min(0).max(1),
    allow_flaky: z.boolean(),
  })
  .partial()
  .strict();

export const packHeaderSchema = z
  .object({
    pack: z
      .object({
        description: z.string().max(2000).optional(),
        repeat: z.number().int().min(1).max(1000).optional(),
        gate: gatePolicySchema.optional(),
      })
      .strict(),
  })
  .strict();

export type PackHeader = z.output<typeof packHeaderSchema>['pack'];
export type GatePolicyOverrides = z.output<typeof gatePolicySchema>;

/** A parsed pack line that is the header (an object with `pack` and no `prompt`). */
export function isHeaderLine(value: unknown): value is { pack: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'pack' in value && !('prompt' in value);
}

/** Validates a header line; the error names file, line and field. */
export function parseHeaderLine(value: unknown, where: string): PackHeader {
  const parsed = packHeaderSchema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ');
    throw new HubError('bad_request', `${where}: pack header: ${detail}`);
  }
  return parsed.data.pack;
}

/** The header of a pack's text ({} when it has none); a second header is refused. */
export function packHeader(text: string, source: string): PackHeader {
  let header: PackHeader | null = null;
  let headerLine = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (!line.startsWith('{') || !line.includes('"pack"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // parsePack reports bad JSON with its line
    }
    if (!isHeaderLine(value)) continue;
    if (header) throw new HubError('bad_request', `${source}:${i + 1}: a second pack header (the first is on line ${headerLine})`);
    header = parseHeaderLine(value, `${source}:${i + 1}`);
    headerLine = i + 1;
  }
  return header ?? {};
}

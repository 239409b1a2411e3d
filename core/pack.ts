/** Prompt packs: JSONL files with one `{"prompt": ...}` object per line (optional id, backend, priority, expect). */
import fs from 'node:fs';
import { z } from 'zod';
import { HubError, errorMessage } from './errors.js';
import { expectSchema } from './runs/expect.js';

export const packEntrySchema = z.object({
  prompt: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
  id: z.string().min(1).max(200).optional(),
  backend: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'must be a backend name').optional(),
  priority: z.number().int().optional(),
  max_attempts: z.number().int().positive().optional(),
  labels: z.array(z.string()).optional(),
  expect: expectSchema.optional(),
});

export type PackEntry = z.output<typeof packEntrySchema>;

/** Parses the whole pack first, so a bad line 40 enqueues nothing; errors name file and line. */
export function parsePack(text: string, source: string): PackEntry[] {
  const entries: PackEntry[] = [];
  const seenIds = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('//')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new HubError('bad_request', `${source}:${i + 1}: not valid JSON (${errorMessage(err)})`);
    }
    const parsed = packEntrySchema.safeParse(value);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ');
      throw new HubError('bad_request', `${source}:${i + 1}: ${detail}`);
    }
    const id = parsed.data.id;
    if (id !== undefined) {
      const first = seenIds.get(id);
      // Runs pair answers across runs by prompt id: two prompts with one id would be compared wrongly.
      if (first !== undefined) throw new HubError('bad_request', `${source}:${i + 1}: id ${JSON.stringify(id)} is already used on line ${first}`);
      seenIds.set(id, i + 1);
    }
    entries.push(parsed.data);
  }
  if (entries.length === 0) throw new HubError('bad_request', `${source}: the pack has no prompts`);
  return entries;
}

export function readPackFile(file: string): PackEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new HubError('bad_request', `cannot read pack ${file}: ${errorMessage(err)}`);
  }
  return parsePack(text, file);
}

/** The enqueue form's check, with the contract's own schema, so messages match the bridge's. */
import { API_CALLS } from '../../../../core/api.js';

export type EnqueueField = 'prompt' | 'backend' | 'priority';
type Field = EnqueueField;
const LABEL: Record<Field, string> = { prompt: 'Prompt', backend: 'Backend', priority: 'Priority' };

/** Field → message, in words: "Prompt must not be blank". */
export function validateEnqueue(values: Record<Field, string>): { input: { prompt: string; backend?: string; priority?: number } } | { errors: Partial<Record<Field, string>> } {
  const errors: Partial<Record<Field, string>> = {};
  const priorityText = values.priority.trim();
  if (priorityText !== '' && !/^[+-]?\d+$/.test(priorityText)) errors.priority = 'Priority must be a whole number, like 0 or 10.';
  const candidate = {
    prompt: values.prompt,
    backend: values.backend.trim() === '' ? undefined : values.backend.trim(),
    priority: priorityText === '' || errors.priority ? undefined : Number(priorityText),
  };
  const parsed = API_CALLS['tasks.enqueue'].input.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if ((field === 'prompt' || field === 'backend' || field === 'priority') && !errors[field]) {
        errors[field] = `${LABEL[field]}: ${issue.message}`;
      }
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { input: candidate.backend === undefined ? { prompt: candidate.prompt, priority: candidate.priority } : candidate };
}


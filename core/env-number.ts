/** A whole-number setting read from the environment, checked: an unset or blank variable gives the default. */
export function envWholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number >= ${min}; got ${JSON.stringify(raw)}`);
  return value;
}

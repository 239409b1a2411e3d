/** Model selection shared by all drivers: an explicit model wins, else MITTELO_<NAME>_MODEL, else the CLI's default. */
import type { DriverInfo } from './types.js';

/** `claude_code` -> `MITTELO_CLAUDE_CODE_MODEL`, `kiro-cli` -> `MITTELO_KIRO_CLI_MODEL`. */
export function modelEnvVar(backendName: string): string {
  return `MITTELO_${backendName.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_MODEL`;
}

export interface ModelChoice {
  /** The name the backend was asked for (may be an alias: `glm` reads MITTELO_GLM_MODEL first). */
  backend: string;
  driver?: Pick<DriverInfo, 'name'>;
  /** From the task or the backend configuration. */
  explicit?: string | null;
  env?: NodeJS.ProcessEnv;
}

/** The model to pass to the CLI, or undefined to leave the CLI on its own default. */
export function resolveModel({ backend, driver, explicit, env = process.env }: ModelChoice): string | undefined {
  const chosen = explicit?.trim();
  if (chosen) return chosen;
  const names = driver && driver.name !== backend ? [backend, driver.name] : [backend];
  for (const name of names) {
    const value = env[modelEnvVar(name)]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** `--flag value` when a model is set, nothing otherwise. */
export function modelArgs(flag: string, model: string | undefined): string[] {
  const value = model?.trim();
  return value ? [flag, value] : [];
}

/**
 * Runs a one-shot driver through the shared runner: build the invocation, hand it to runProcess,
 * interpret the result. Same shape as ExecutingDriver.execute, so callers treat both kinds alike.
 */
import path from 'node:path';
import type { DriverInfo, DriverOutcome, ExecuteContext, OneShotDriver } from './types.js';
import type { RunRequest, RunResult } from './run/types.js';
import { runProcess } from './run/runner.js';
import { failure } from './failure.js';
import { GiveUpWatch, giveUpLimits } from './give-up.js';

/**
 * The credential variables a CLI reads (its authHints), taken from the parent environment: the
 * runner passes only an allowlist through, and a CLI without its API key is a CLI that cannot log in.
 */
export function authEnv(driver: Pick<DriverInfo, 'authHints'>, parentEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of driver.authHints.env) {
    const value = parentEnv[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env;
}

export function oneShotRequest(driver: OneShotDriver, ctx: ExecuteContext, parentEnv: NodeJS.ProcessEnv = process.env): RunRequest {
  const invocation = driver.buildInvocation(ctx.call);
  // Without a resolved path the bare name is tried on the runner's PATH (a miss is a spawn ENOENT,
  // so `not_installed`). A relative path is made absolute here: the run's working directory may be
  // a fresh folder where it would not resolve.
  const resolved = ctx.binary?.path;
  const command = resolved ? (resolved.includes(path.sep) ? path.resolve(resolved) : resolved) : (driver.binary ?? driver.name);
  // Later wins: inherited credentials, then the backend's configured env, then what the driver
  // needs for this call (its tool policy must not be overridden by configuration).
  const env = { ...authEnv(driver, parentEnv), ...ctx.run.env, ...invocation.env };
  const request: RunRequest = { ...ctx.run, command, args: invocation.args, stdin: invocation.stdin };
  if (Object.keys(env).length > 0) request.env = env;
  if (invocation.freshWorkdir) request.freshWorkdir = true;
  const onOutput = ctx.onOutput ?? ctx.run.onOutput;
  if (onOutput) request.onOutput = onOutput;
  return request;
}

export async function runOneShot(driver: OneShotDriver, ctx: ExecuteContext): Promise<{ outcome: DriverOutcome; result: RunResult }> {
  if (!driver.giveUpOn) {
    const result = await runProcess(oneShotRequest(driver, ctx));
    return { outcome: driver.interpret(result, ctx.call), result };
  }
  const watch = new GiveUpWatch(driver.name, driver.giveUpOn, giveUpLimits(ctx.call));
  const live = ctx.onOutput ?? ctx.run.onOutput;
  const signal = ctx.run.signal ? AbortSignal.any([ctx.run.signal, watch.signal]) : watch.signal;
  const onOutput: NonNullable<ExecuteContext['onOutput']> = (stream, text) => {
    watch.onOutput(stream, text);
    live?.(stream, text);
  };
  try {
    const result = await runProcess(oneShotRequest(driver, { ...ctx, run: { ...ctx.run, signal }, onOutput }));
    // Only a run the watch itself stopped is its verdict; one that ended on its own is read as usual.
    if (watch.verdict && result.cancelled && !ctx.run.signal?.aborted) {
      return { outcome: failure(watch.verdict.failure, watch.verdict.message), result: { ...result, cancelled: false } };
    }
    return { outcome: driver.interpret(result, ctx.call), result };
  } finally {
    watch.stop();
  }
}

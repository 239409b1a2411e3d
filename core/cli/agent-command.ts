/** `mittelo agent`: serve one or more backends for a hub until stopped. */
import os from 'node:os';
import type { Command } from 'commander';
import { TOOL_POLICIES, type ToolPolicy } from '../../drivers/types.js';
import { Agent, type AgentStatus, type ServedBackend } from '../agent/agent.js';
import { servedBackend } from '../agent/served.js';
import { preflight, type BackendSpec, type Preflight } from '../agent/backend.js';
import { loadWorkspaceConfig, specFromSettings } from '../agent/config.js';
import { DEFAULT_LEASE_SECONDS } from '../config.js';
import { HubError } from '../errors.js';
import { collect, parseInteger, withClientOptions, type ClientFlags } from './options.js';
import { clientAddress } from '../session/hub-address.js';

/** After its parent died, an agent that could not release its tasks by then exits anyway. */
const PARENT_GONE_EXIT_MS = 10_000;

interface AgentFlags extends ClientFlags {
  backend: string[];
  once?: boolean;
  allowWorkspaceChecks?: boolean;
  maxTasks?: number;
  concurrency?: number;
  workerId?: string;
  leaseSeconds: number;
  waitSeconds: number;
  preflight: boolean;
  requireReady?: boolean;
  config?: string;
  model?: string;
  toolPolicy?: ToolPolicy;
  timeout?: number;
  shellCmd?: string;
  acpCmd?: string;
  tmuxSession?: string;
  statusJson?: boolean;
  quiet?: boolean;
}

/** `name` or `name=N` (N tasks of it at once). */
function parseBackendArg(arg: string): { name: string; concurrency?: number } {
  const match = /^([^=]+)(?:=(\d+))?$/.exec(arg.trim());
  if (!match?.[1]) throw new HubError('bad_request', `--backend takes NAME or NAME=CONCURRENCY, got "${arg}"`);
  return match[2] ? { name: match[1], concurrency: Number(match[2]) } : { name: match[1] };
}

/** Flags apply to every backend of this agent, over the workspace config. */
export function backendSpecs(flags: AgentFlags): BackendSpec[] {
  const config = loadWorkspaceConfig(flags.config);
  return flags.backend.map((arg) => {
    const { name, concurrency } = parseBackendArg(arg);
    const spec = specFromSettings(name, config.backends[name]);
    if (concurrency !== undefined) spec.concurrency = concurrency;
    if (flags.model) spec.model = flags.model;
    if (flags.toolPolicy) spec.toolPolicy = flags.toolPolicy;
    if (flags.timeout !== undefined) spec.timeoutMs = flags.timeout * 1000;
    const options = { ...spec.options };
    if (flags.shellCmd) options.shell_cmd = flags.shellCmd;
    if (flags.acpCmd) options.acp_cmd = flags.acpCmd;
    if (flags.tmuxSession) options.tmux_session = flags.tmuxSession;
    spec.options = options;
    return spec;
  });
}

export function formatPreflight(report: Preflight): string {
  // No binary is "built in" only for a backend that needs none (echo, shell...); a failed one was not found.
  const where = report.binary ? `${report.binary.path} (${report.binary.source})` : report.status === 'fail' ? 'not ready' : 'built in';
  const lines = [`${report.status.toUpperCase().padEnd(4)} ${report.backend}: ${where}${report.version ? `, version ${report.version}` : ''}`];
  for (const problem of report.problems) lines.push(`     ${problem}`);
  if (report.auth.hint) lines.push(`     ${report.auth.hint}`);
  return lines.join('\n');
}

function statusLine(status: AgentStatus): string {
  const running = status.running.map((r) => `${r.backend}#${r.task_id}`).join(' ') || 'idle';
  return `running: ${running} | done ${status.done} | failed ${status.failed}${status.unacked ? ` | waiting for hub to accept ${status.unacked}` : ''}`;
}

export function registerAgentCommand(program: Command): void {
  withClientOptions(program.command('agent'))
    .description('lease tasks for the given backends from a hub, run them, ack the results')
    .requiredOption('--backend <name[=n]>', 'backend to serve, optionally with how many at once (repeatable)', collect, [])
    .option('--once', 'lease one round without waiting, run it, then exit')
    .option('--max-tasks <n>', 'exit after this many tasks', parseInteger('--max-tasks', { min: 1 }))
    .option('--concurrency <n>', 'tasks at once across all backends (default: sum of the backends\' caps)', parseInteger('--concurrency', { min: 1, max: 1024 }))
    .option('--worker-id <id>', 'name this agent reports to the hub (default: host-pid)')
    .option('--lease-seconds <n>', 'lease length; the agent heartbeats at half of it', parseInteger('--lease-seconds', { min: 2 }), DEFAULT_LEASE_SECONDS)
    .option('--wait-seconds <n>', 'how long one lease call waits for work', parseInteger('--wait-seconds', { min: 0, max: 300 }), 10)
    .option('--no-preflight', 'skip the check that each backend\'s CLI is installed')
    .option('--require-ready', 'exit with an error unless every backend passes preflight')
    .option('--config <file>', 'per-backend settings (default: mittelo.config.json if present)')
    .option('--model <model>', 'model for every backend (else MITTELO_<NAME>_MODEL or the CLI default)')
    .option('--tool-policy <policy>', `tools the CLI may use: ${TOOL_POLICIES.join(', ')} (default none)`)
    .option('--timeout <seconds>', 'per-task timeout (default 600)', parseInteger('--timeout', { min: 1 }))
    .option('--shell-cmd <command>', 'command line for the shell backend (prompt on stdin)')
    .option('--acp-cmd <command>', 'command line of an ACP agent for the acp backend')
    .option('--tmux-session <name>', 'tmux session for the tmux backend')
    .option('--allow-workspace-checks', "run system tests' `check` commands from any run's tasks (default: none; `mittelo run` runs its own pack's)")
    .option('--status-json', 'print a JSON status line on stdout at every change (for swarm)')
    .option('--quiet', 'no log lines on stderr')
    .addHelpText(
      'after',
      [
        '',
        'Task processes are held together so none outlives its task, and noted in MITTELO_STATE_DIR',
        '(default ~/.local/state/mittelo) while they run: an agent that starts ends what a dead agent',
        'left running. MITTELO_CONTAINMENT=auto|cgroup|environ|group picks how (see docs/BACKENDS.md).',
        '',
        'System tests run in a workdir under MITTELO_WORKDIRS (default: mittelo-workdirs in the temp folder), kept',
        'for the newest MITTELO_KEEP_WORKDIRS runs (default 5) and removed when the hub deletes their run. The',
        'task may write only its own workdir there (a mount namespace; MITTELO_CONFINE_WORKDIRS=auto|on|off);',
        'writes outside it are reported. See docs/RUNS.md.',
        '',
        'Against a hub that serves only the floor methods (the original mittelo) it polls for work, leases each task for',
        'its timeout and says once which features are off; see docs/MIGRATING.md.',
      ].join('\n'),
    )
    .action(async (flags: AgentFlags) => {
      if (flags.toolPolicy && !TOOL_POLICIES.includes(flags.toolPolicy)) {
        throw new HubError('bad_request', `--tool-policy must be one of ${TOOL_POLICIES.join(', ')}`);
      }
      const log = flags.quiet ? () => undefined : (line: string) => process.stderr.write(`mittelo agent: ${line}\n`);
      const specs = backendSpecs(flags);
      const served: ServedBackend[] = [];
      for (const spec of specs) {
        if (!flags.preflight) {
          served.push(servedBackend(spec, null));
          continue;
        }
        const report = await preflight(spec);
        log(formatPreflight(report));
        if (report.status === 'fail') {
          if (flags.requireReady) throw new HubError('bad_request', `backend ${spec.name} is not ready (--require-ready): ${report.problems.join('; ')}`);
          log(`not serving ${spec.name}`);
          continue;
        }
        served.push(servedBackend(spec, report));
      }
      if (served.length === 0) throw new HubError('bad_request', 'no backend is ready to serve; see the preflight lines above');

      const workerId = flags.workerId ?? `${os.hostname()}-${process.pid}`;
      const agent = new Agent({
        address: clientAddress(flags),
        backends: served,
        workerId,
        leaseSeconds: flags.leaseSeconds,
        waitSeconds: flags.waitSeconds,
        ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
        ...(flags.maxTasks !== undefined ? { maxTasks: flags.maxTasks } : {}),
        ...(flags.once ? { once: true } : {}),
        ...(flags.allowWorkspaceChecks ? { allowedChecks: 'any' as const } : {}),
        log,
        onStatus: (status) => {
          if (flags.statusJson) process.stdout.write(`${JSON.stringify(status)}\n`);
        },
      });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          log(`${signal}: finishing running tasks (again to kill them and release their leases)`);
          void agent.stop('finish');
        } else if (signals === 2) {
          log(`${signal}: stopping running tasks and releasing their leases (again to exit at once)`);
          void agent.stop('release');
        } else {
          // Acks and releases wait for an absent hub without end; the user still gets out.
          log(`${signal}: exiting now; results and leases not yet given to the hub are left to lease expiry`);
          process.exit(1);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // Started by `mittelo swarm` (or any parent holding an IPC channel): the channel closes when that
      // parent dies, even by SIGKILL. Give the running tasks back and exit instead of serving on as an
      // orphan nobody stops. Unref'd, so the channel alone never keeps the agent alive.
      const onParentGone = () => {
        process.stdout.on('error', () => undefined); // nobody reads our pipes any more
        process.stderr.on('error', () => undefined);
        log('parent process gone: releasing running tasks and exiting');
        void agent.stop('release');
        setTimeout(() => process.exit(1), PARENT_GONE_EXIT_MS).unref();
      };
      if (process.channel) {
        process.channel.unref();
        process.once('disconnect', onParentGone);
      }
      log(`serving ${served.map((b) => `${b.name}×${b.concurrency}`).join(', ')} as ${workerId}`);
      if (flags.statusJson) process.stdout.write(`${JSON.stringify(agent.status())}\n`); // the first line says "up and idle"
      const final = await agent.run();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('disconnect', onParentGone);
      log(`stopped. ${statusLine(final)}`);
      if (flags.json) process.stdout.write(`${JSON.stringify(final)}\n`);
    });
}

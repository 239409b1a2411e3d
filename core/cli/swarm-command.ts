/** `mittelo swarm`: run and supervise several `mittelo agent` processes, N per backend. */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { TOOL_POLICIES, type ToolPolicy } from '../../drivers/types.js';
import { driverFor, preflight } from '../agent/backend.js';
import { loadWorkspaceConfig, specFromSettings } from '../agent/config.js';
import { Swarm, type SwarmSlot } from '../agent/swarm.js';
import { DEFAULT_LEASE_SECONDS } from '../config.js';
import { HubError } from '../errors.js';
import { formatPreflight } from './agent-command.js';
import { TOKEN_FILE_HELP, collect, driverOptions, parseInteger, parsePort, withDriverOptions, type DriverOptionFlags } from './options.js';
import { clientAddress } from '../session/hub-address.js';
import { SwarmView } from './swarm-view.js';

const MAX_AGENTS_PER_BACKEND = 64;

/** What each stop signal does (see Swarm.stop). */
const STOP_STEPS = [
  'the agents finish their running tasks, then exit (again to stop the tasks and release their leases)',
  'the agents stop their tasks and release their leases (again to kill them)',
  'killing the agents; their tasks go back to the queue when their leases expire',
];

/** The built CLI next to this module, run with the same node for every agent. */
const CLI_PATH = fileURLToPath(new URL('./main.js', import.meta.url));

interface SwarmFlags extends DriverOptionFlags {
  agent: string[];
  host?: string;
  port?: number;
  token?: string;
  tokenFile?: string;
  leaseSeconds: number;
  waitSeconds?: number;
  config?: string;
  model?: string;
  toolPolicy?: ToolPolicy;
  timeout?: number;
  preflight: boolean;
  quiet?: boolean;
}

/** `--agent NAME=N` (N agent processes for backend NAME; N defaults to 1). */
export function parseAgentArgs(args: string[]): { backend: string; count: number }[] {
  const seen = new Set<string>();
  return args.map((arg) => {
    const match = /^([^=\s]+)(?:=(\d+))?$/.exec(arg.trim());
    if (!match?.[1]) throw new HubError('bad_request', `--agent takes BACKEND or BACKEND=COUNT, got "${arg}"`);
    const backend = match[1];
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (count < 1 || count > MAX_AGENTS_PER_BACKEND) throw new HubError('bad_request', `--agent ${backend}: COUNT must be 1..${MAX_AGENTS_PER_BACKEND}, got ${count}`);
    if (seen.has(backend)) throw new HubError('bad_request', `--agent ${backend} is given twice; give it once with the total count`);
    seen.add(backend);
    return { backend, count };
  });
}

/** Flags every agent gets, as given to the swarm (the token goes by environment, never on argv). */
function agentFlags(flags: SwarmFlags, host: string, port: number): string[] {
  const args = ['--host', host, '--port', String(port), '--lease-seconds', String(flags.leaseSeconds)];
  if (flags.waitSeconds !== undefined) args.push('--wait-seconds', String(flags.waitSeconds));
  if (flags.config) args.push('--config', flags.config);
  if (flags.model) args.push('--model', flags.model);
  if (flags.toolPolicy) args.push('--tool-policy', flags.toolPolicy);
  if (flags.timeout !== undefined) args.push('--timeout', String(flags.timeout));
  if (flags.shellCmd) args.push('--shell-cmd', flags.shellCmd);
  if (flags.acpCmd) args.push('--acp-cmd', flags.acpCmd);
  if (flags.tmuxSession) args.push('--tmux-session', flags.tmuxSession);
  if (!flags.preflight) args.push('--no-preflight');
  if (flags.quiet) args.push('--quiet');
  return args;
}

export function registerSwarmCommand(program: Command): void {
  const command = program
    .command('swarm')
    .description('run N agents per backend as child processes, restart crashed ones, stop them all on Ctrl-C')
    .requiredOption('--agent <backend[=n]>', 'backend and how many agent processes serve it (repeatable), e.g. --agent echo=2', collect)
    .option('--host <host>', 'hub host (env MITTELO_HOST, default 127.0.0.1)')
    .option('--port <port>', 'hub port (env MITTELO_PORT, default 8765)', parsePort)
    .option('--token <token>', 'hub token (env MITTELO_TOKEN; passed to the agents by environment)')
    .option('--token-file <file>', TOKEN_FILE_HELP)
    .option('--lease-seconds <n>', 'lease length for every agent', parseInteger('--lease-seconds', { min: 2 }), DEFAULT_LEASE_SECONDS)
    .option('--wait-seconds <n>', 'how long one lease call waits for work', parseInteger('--wait-seconds', { min: 0, max: 300 }))
    .option('--config <file>', 'per-backend settings (default: mittelo.config.json if present)')
    .option('--model <model>', 'model for every backend (else MITTELO_<NAME>_MODEL or the CLI default)')
    .option('--tool-policy <policy>', `tools the CLIs may use: ${TOOL_POLICIES.join(', ')} (default none)`)
    .option('--timeout <seconds>', 'per-task timeout (default 600)', parseInteger('--timeout', { min: 1 }));
  withDriverOptions(command)
    .option('--no-preflight', 'skip the readiness check of each backend (here and in the agents)')
    .option('--quiet', 'do not forward the agents\' log lines')
    .addHelpText(
      'after',
      '\nEach agent runs as `mittelo agent --backend B --worker-id <host>-swarm-B-<i> --status-json`.\n' +
        'A crashed agent is started again after 1 s, doubling up to 30 s; the delay resets once it stayed up 60 s.\n' +
        'Ctrl-C or SIGTERM: the agents finish their running tasks and exit; a second one makes them stop\n' +
        'their tasks and give the leases back; a third kills them. Agents exit by themselves if the swarm dies.\n' +
        'Exit status 0 after an orderly stop.',
    )
    .action(async (flags: SwarmFlags) => {
      if (flags.toolPolicy && !TOOL_POLICIES.includes(flags.toolPolicy)) {
        throw new HubError('bad_request', `--tool-policy must be one of ${TOOL_POLICIES.join(', ')}`);
      }
      const wanted = parseAgentArgs(flags.agent);
      for (const { backend } of wanted) driverFor(backend); // an unknown name fails here, with the known ones listed
      const address = clientAddress(flags);

      if (flags.preflight) {
        const config = loadWorkspaceConfig(flags.config);
        const reports = await Promise.all(
          wanted.map(({ backend }) => {
            const spec = specFromSettings(backend, config.backends[backend]);
            spec.options = driverOptions(flags, spec.options);
            return preflight(spec);
          }),
        );
        for (const report of reports) process.stderr.write(`mittelo swarm: ${formatPreflight(report)}\n`);
        const failed = reports.filter((r) => r.status === 'fail');
        if (failed.length > 0) {
          throw new HubError('bad_request', `not ready: ${failed.map((r) => `${r.backend} (${r.problems[0] ?? 'see above'})`).join('; ')}`);
        }
      }

      const host = os.hostname();
      const common = agentFlags(flags, address.host, address.port);
      const slots: SwarmSlot[] = wanted.flatMap(({ backend, count }) =>
        Array.from({ length: count }, (_, i) => {
          const workerId = `${host}-swarm-${backend}-${i + 1}`;
          return { name: `${backend}-${i + 1}`, backend, workerId, args: [CLI_PATH, 'agent', '--backend', backend, '--worker-id', workerId, '--status-json', ...common] };
        }),
      );

      // A closed stdout or stderr (a pager that quit) must not take the swarm down with its agents running.
      process.stdout.on('error', () => undefined);
      process.stderr.on('error', () => undefined);
      const view = new SwarmView({ out: process.stdout, err: process.stderr, tty: process.stdout.isTTY === true, quiet: flags.quiet === true });
      const env = { ...process.env, MITTELO_TOKEN: address.token ?? '' };
      const swarm = new Swarm({
        command: process.execPath,
        env,
        slots,
        onLog: (slot, line) => view.log(slot, line),
        onLifecycle: (slot, message) => view.lifecycle(slot, message),
        onChange: (slot) => view.change(slot),
      });
      view.setViews(swarm.views());

      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        swarm.stop();
        view.say(`mittelo swarm: ${signal}: ${STOP_STEPS[Math.min(signals, STOP_STEPS.length) - 1] ?? ''}`);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.on('SIGHUP', onSignal);

      view.say(`mittelo swarm: ${slots.length} agent${slots.length === 1 ? '' : 's'} for ${address.host}:${address.port} (${wanted.map((w) => `${w.backend}×${w.count}`).join(', ')})`);
      swarm.start();
      await swarm.done;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      view.close();
      view.say('mittelo swarm: all agents stopped');
      // Killed agents did not give their tasks back: not an orderly stop.
      if (signals >= STOP_STEPS.length) process.exitCode = 1;
    });
}

/**
 * The app's in-process agents: at most one per backend, each an ordinary core Agent leasing from the
 * app's hub over the wire, so a remote agent and a local one take part in the same way.
 */
import os from 'node:os';
import type { ClientAddress } from '../config.js';
import { errorMessage } from '../errors.js';
import { Agent, type AgentStatus } from '../agent/agent.js';
import type { BackendSpec } from '../agent/backend.js';
import { inProcessBackend } from '../session/run-pack.js';

/** Tasks at once per backend when mittelo.config.json does not say (as `mittelo run` does). */
export const DEFAULT_AGENT_CONCURRENCY = 2;

interface Running {
  agent: Agent;
  concurrency: number;
  finished: Promise<void>;
  status: () => AgentStatus | null;
}

export interface LocalAgentState {
  running: boolean;
  concurrency: number;
  status: AgentStatus | null;
}

export class LocalAgents {
  private readonly agents = new Map<string, Running>();
  /** Starts and stops in flight, per backend, so two clicks never make two agents. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly address: ClientAddress,
    private readonly log: (line: string) => void,
    private readonly onChange: () => void = () => undefined,
  ) {}

  private serial(backend: string, work: () => Promise<void>): Promise<void> {
    const previous = this.pending.get(backend) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.pending.set(backend, next);
    return next.finally(() => {
      if (this.pending.get(backend) === next) this.pending.delete(backend);
    });
  }

  /** Starts (or restarts with new settings) the agent of `spec.name`. */
  start(spec: BackendSpec, concurrency?: number): Promise<void> {
    return this.serial(spec.name, async () => {
      await this.stopNow(spec.name);
      const cap = concurrency ?? spec.concurrency ?? DEFAULT_AGENT_CONCURRENCY;
      const served = await inProcessBackend({ ...spec, concurrency: cap }, cap, (line) => this.log(line));
      let latest: AgentStatus | null = null;
      const agent = new Agent({
        address: this.address,
        backends: [served],
        workerId: `${os.hostname()}-app-${spec.name}`,
        leaseSeconds: 60,
        waitSeconds: 10,
        log: (line) => this.log(`agent ${spec.name}: ${line}`),
        onStatus: (status) => {
          latest = status;
          this.onChange();
        },
      });
      const entry: Running = {
        agent,
        concurrency: cap,
        status: () => latest,
        finished: agent.run().then(
          () => undefined,
          (err: unknown) => this.log(`agent ${spec.name} stopped: ${errorMessage(err)}`),
        ),
      };
      this.agents.set(spec.name, entry);
      void entry.finished.then(() => {
        // An agent that ends by itself (not through stop) is no longer running.
        if (this.agents.get(spec.name) === entry) {
          this.agents.delete(spec.name);
          this.onChange();
        }
      });
      this.log(`agent for ${spec.name} started (${cap} at once)`);
      this.onChange();
    });
  }

  stop(backend: string): Promise<void> {
    return this.serial(backend, () => this.stopNow(backend));
  }

  /** Running tasks are killed and their leases given back, so another agent can take them at once. */
  private async stopNow(backend: string): Promise<void> {
    const entry = this.agents.get(backend);
    if (!entry) return;
    this.agents.delete(backend);
    await entry.agent.stop('release');
    await entry.finished;
    this.log(`agent for ${backend} stopped`);
    this.onChange();
  }

  state(backend: string): LocalAgentState | null {
    const entry = this.agents.get(backend);
    return entry ? { running: true, concurrency: entry.concurrency, status: entry.status() } : null;
  }

  names(): string[] {
    return [...this.agents.keys()];
  }

  async stopAll(): Promise<void> {
    await Promise.all([...new Set([...this.agents.keys(), ...this.pending.keys()])].map((backend) => this.stop(backend)));
  }
}

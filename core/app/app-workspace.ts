/**
 * The app's open workspace, shared by Electron's main process and browser mode (`mittelo serve`): the
 * workspace folder, the hub (core/session/open-hub.ts: its own, or the one already running on the
 * workspace), the in-process agents,
 * one wire client for calls and one reconnecting, subscribed link that turns hub events and the
 * connection's state into UiEvents.
 */
import type { UiEvent } from '../api.js';
import { userConfigDir, type ClientAddress } from '../config.js';
import { HubError, errorMessage } from '../errors.js';
import type { RunningHub } from '../hub.js';
import { HubLink } from '../agent/hub-link.js';
import { loadWorkspaceConfig, specFromSettings, type WorkspaceConfig } from '../agent/config.js';
import { preflight } from '../agent/backend.js';
import { mapLimit } from '../agent/backend-check.js';
import { runPack, type PackRunRequest } from '../session/run-pack.js';
import { HubClient } from '../wire/client.js';
import type { HubMethod, HubParamsArg, HubResult } from '../wire/contract.js';
import { LocalAgents } from './local-agents.js';
import { openHub } from '../session/open-hub.js';
import { ensureWorkspaceToken, recordRunningHub, workspaceTokenPath } from '../session/workspace-token.js';
import { defaultWorkspace, lastWorkspace, prepareWorkspace, rememberWorkspace, type WorkspacePaths } from './workspace.js';

export interface AppWorkspaceOptions {
  /** The workspace folder; default: the one used last, else ~/Mittelo. */
  workspace?: string;
  /** Where app.json (the last workspace) lives; default the user config dir (~/.config/mittelo). */
  configDir?: string;
  /** Hub JSONL host and port (default 127.0.0.1:8765; 0 = any free port). */
  host?: string;
  port?: number;
  /** REST adapter port (default 8766; 0 = any free port; null = none). */
  restPort?: number | null;
  /** The token of the hub ports; default the workspace's own (.mittelo/token, made on first use). */
  token?: string;
  /** Start an agent for every backend of mittelo.config.json whose preflight does not fail (default true). */
  autoStartAgents?: boolean;
  /** Example packs copied into a new workspace (default: the app's own packs/). */
  seedPacksDir?: string | null;
  log?: (line: string) => void;
}

export type UiListener = (event: UiEvent) => void;

/** How long a lost hub shows as "reconnecting" before the UI says OFFLINE. */
const OFFLINE_AFTER_MS = 3000;

export class AppWorkspace {
  readonly agents: LocalAgents;
  private readonly listeners = new Set<UiListener>();
  private readonly events: HubLink;
  private callsClient: HubClient | null = null;
  private callsConnecting: Promise<HubClient> | null = null;
  /** Runs this app started and still follows. */
  private readonly runs = new Set<{ abort: AbortController; done: Promise<unknown> }>();
  private online = false;
  private reconnecting = false;
  private offlineTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | null = null;
  /** Removes the record that lets `mittelo` commands find this app's hub and token. */
  private forgetHubRecord: () => void = () => undefined;
  /** Agents for the configured backends start in the background (each preflight runs a CLI); this settles when they have. */
  agentsReady: Promise<void> = Promise.resolve();

  private constructor(
    readonly workspace: WorkspacePaths,
    private hub: RunningHub | null,
    readonly address: ClientAddress,
    readonly restUrl: string | null,
    /** What differed from the defaults at start (busy ports, an existing hub), in words. */
    readonly notes: string[],
    readonly log: (line: string) => void,
  ) {
    this.agents = new LocalAgents(address, log);
    this.events = new HubLink(address, {
      log,
      onConnect: async (client) => {
        client.onClose(() => this.disconnected());
        await client.subscribe((event) => this.emit({ kind: 'hub', event }));
        this.setConnection(true, false);
      },
    });
  }

  static async start(options: AppWorkspaceOptions = {}): Promise<AppWorkspace> {
    const log = options.log ?? (() => undefined);
    const configDir = options.configDir ?? userConfigDir();
    const dir = options.workspace ?? lastWorkspace(configDir) ?? defaultWorkspace();
    const { paths, seeded } = prepareWorkspace(dir, options.seedPacksDir);
    if (seeded.length > 0) log(`new workspace ${paths.dir}: example packs ${seeded.join(', ')}`);
    try {
      rememberWorkspace(configDir, paths.dir);
    } catch (err) {
      log(`could not remember the workspace in ${configDir}: ${errorMessage(err)}`);
    }
    // Every port of the app needs a token, so no web page and no other user can drive its agents.
    const token = options.token ?? ensureWorkspaceToken(paths.dir, log);
    const opened = await openHub({
      dbPath: paths.dbPath,
      log,
      token,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.restPort !== undefined ? { restPort: options.restPort } : {}),
    });
    const app = new AppWorkspace(paths, opened.hub, opened.address, opened.restUrl, opened.notes, log);
    if (opened.hub) {
      app.keepOwnHub(opened.hub, paths.dbPath, token);
      if (options.token === undefined) app.recordHub(configDir, opened.hub, opened.restUrl);
    }
    try {
      await app.events.get();
      if (options.autoStartAgents ?? true) app.agentsReady = app.startConfiguredAgents();
    } catch (err) {
      await app.stop();
      throw err;
    }
    return app;
  }

  /**
   * The app's own hub can be stopped from outside (a `shutdown` request from any local client):
   * the app starts it again on the same database and ports, so the control center keeps working.
   */
  private keepOwnHub(hub: RunningHub, dbPath: string, token: string | undefined): void {
    void hub.closed.then(async () => {
      if (this.stopping) return;
      this.log('the hub of this app stopped (a shutdown request?); starting it again');
      const restPort = this.restUrl ? Number(new URL(this.restUrl).port) : undefined;
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          const { startHub } = await import('../hub.js');
          const next = await startHub({
            dbPath,
            host: this.address.host,
            port: this.address.port,
            ...(restPort !== undefined ? { restPort } : {}),
            ...(token ? { token } : {}),
            log: (line) => this.log(`hub: ${line}`),
          });
          if (this.stopping) {
            await next.stop();
            return;
          }
          this.hub = next;
          this.keepOwnHub(next, dbPath, token);
          return;
        } catch (err) {
          this.log(`could not start the hub again: ${errorMessage(err)}; retrying`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 10_000)));
        }
      }
    });
  }

  /** Commands pointed at this workspace or this port find the hub and its token (workspace-token.ts). */
  private recordHub(configDir: string, hub: RunningHub, restUrl: string | null): void {
    try {
      this.forgetHubRecord = recordRunningHub(this.workspace.dir, configDir, { host: hub.host, port: hub.port, rest_url: restUrl });
    } catch (err) {
      this.log(`mittelo commands will need the token given (--token-file ${workspaceTokenPath(this.workspace.dir)}): ${errorMessage(err)}`);
    }
  }

  /** The queue of the hub this process runs (null when it uses another process's hub). */
  localQueue(): RunningHub['queue'] | null {
    return this.hub?.queue ?? null;
  }

  /** The runs of the hub this process runs (null when it uses another process's hub). */
  localRuns(): RunningHub['runs'] | null {
    return this.hub?.runs ?? null;
  }

  /** True when this process runs the hub (false: it uses one that was already running). */
  get ownsHub(): boolean {
    return this.hub !== null;
  }

  connection(): { online: boolean; reconnecting: boolean } {
    return { online: this.online, reconnecting: this.reconnecting };
  }

  /** Hub events and connection changes; the current connection state is sent at once. */
  subscribe(listener: UiListener): () => void {
    this.listeners.add(listener);
    listener({ kind: 'connection', ...this.connection() });
    return () => this.listeners.delete(listener);
  }

  private emit(event: UiEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.log(`event listener failed: ${errorMessage(err)}`);
      }
    }
  }

  private setConnection(online: boolean, reconnecting: boolean): void {
    if (this.online === online && this.reconnecting === reconnecting) return;
    this.online = online;
    this.reconnecting = reconnecting;
    this.emit({ kind: 'connection', online, reconnecting });
  }

  private disconnected(): void {
    if (this.stopping) return;
    this.log('lost the connection to the hub; reconnecting');
    this.setConnection(false, true);
    // A short outage shows as "reconnecting"; one that lasts is plainly OFFLINE (still retried:
    // the link keeps reconnecting with backoff and the state goes back to ONLINE when it answers).
    clearTimeout(this.offlineTimer);
    this.offlineTimer = setTimeout(() => {
      if (!this.online && !this.stopping) this.setConnection(false, false);
    }, OFFLINE_AFTER_MS);
    this.offlineTimer.unref();
    // The link notices a closed client on its next get(): this one reconnects with backoff.
    void this.events.get().catch(() => undefined);
  }

  /** One wire call to the hub; fails at once (code unreachable) while the hub is away. */
  async call<M extends HubMethod>(method: M, ...params: HubParamsArg<M>): Promise<HubResult<M>> {
    if (this.stopping) throw new HubError('shutting_down', 'the app is stopping');
    if (!this.online) throw new HubError('unreachable', `the hub at ${this.address.host}:${this.address.port} is not reachable right now`);
    const client = await this.callClient();
    return client.call(method, ...params);
  }

  private callClient(): Promise<HubClient> {
    if (this.callsClient && !this.callsClient.closed) return Promise.resolve(this.callsClient);
    this.callsConnecting ??= HubClient.connect(this.address)
      .then((client) => (this.callsClient = client))
      .finally(() => (this.callsConnecting = null));
    return this.callsConnecting;
  }

  /** mittelo.config.json of the workspace (an empty config when there is none). */
  config(): WorkspaceConfig {
    return loadWorkspaceConfig(undefined, this.workspace.dir);
  }

  private async startConfiguredAgents(): Promise<void> {
    let config: WorkspaceConfig;
    try {
      config = this.config();
    } catch (err) {
      this.log(`no agents started: ${errorMessage(err)}`);
      return;
    }
    await mapLimit(Object.entries(config.backends), 4, async ([name, settings]) => {
      const spec = specFromSettings(name, settings);
      const report = await preflight(spec);
      if (this.stopping) return;
      if (report.status === 'fail') return this.log(`no agent for ${name}: ${report.problems.join('; ')}`);
      await this.agents.start(spec).catch((err: unknown) => this.log(`agent for ${name} did not start: ${errorMessage(err)}`));
    });
  }

  /**
   * Runs a pack in the background (core/session runPack: the app's agents serve their backends,
   * in-process ones the rest) and resolves once the run exists on the hub.
   */
  startRun(request: Omit<PackRunRequest, 'address' | 'embeddedDbPath' | 'log' | 'onCreated' | 'signal'>): Promise<{ run_id: string; tasks: number }> {
    if (this.stopping) return Promise.reject(new HubError('shutting_down', 'the app is stopping'));
    const abort = new AbortController();
    return new Promise((resolve, reject) => {
      let created = false;
      const done = runPack({
        ...request,
        address: this.address,
        embeddedDbPath: null,
        signal: abort.signal,
        log: (line) => this.log(`run: ${line}`),
        onCreated: (runId, taskIds) => {
          created = true;
          resolve({ run_id: runId, tasks: taskIds.length });
        },
      }).then(
        (outcome) => this.log(`run ${outcome.record.run.run_id} finished`),
        (err: unknown) => {
          if (!created) reject(err);
          else if (!abort.signal.aborted) this.log(`run stopped following: ${errorMessage(err)}`);
        },
      );
      const entry = { abort, done };
      this.runs.add(entry);
      void done.finally(() => this.runs.delete(entry));
    });
  }

  /** How many runs this app started and still follows (a switch asks before it stops them). */
  get followedRuns(): number {
    return this.runs.size;
  }

  /** Agents stop (giving running tasks back), runs stop being followed, the hub stops, the DB closes. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.agentsReady.catch(() => undefined);
      for (const run of this.runs) run.abort.abort();
      await Promise.all([...this.runs].map((run) => run.done));
      await this.agents.stopAll();
      this.events.close();
      this.callsClient?.close();
      await this.hub?.stop();
      this.forgetHubRecord();
      this.online = false;
      this.reconnecting = false;
      this.emit({ kind: 'connection', online: false, reconnecting: false });
      this.listeners.clear();
    })();
    return this.stopping;
  }
}

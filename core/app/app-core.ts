/** The orchestrator with its contract handlers: what a shell (Electron main, `mittelo serve`) starts and stops. */
import type { UiEvent } from '../api.js';
import { createDispatch, createHandlers, type Dispatch } from './handlers.js';
import { Orchestrator, type OrchestratorOptions } from './orchestrator.js';
import { BackendsView } from './backends-view.js';
import { UpgradeJobs } from './upgrade-jobs.js';

export interface AppCore {
  orchestrator: Orchestrator;
  dispatch: Dispatch;
  subscribe(listener: (event: UiEvent) => void): () => void;
  stop(): Promise<void>;
}

export async function startAppCore(options: OrchestratorOptions = {}): Promise<AppCore> {
  const orchestrator = await Orchestrator.start(options);
  const upgrades = new UpgradeJobs();
  return {
    orchestrator,
    dispatch: createDispatch(createHandlers(orchestrator, new BackendsView(orchestrator), upgrades)),
    subscribe: (listener) => orchestrator.subscribe(listener),
    stop: () => {
      upgrades.stop();
      return orchestrator.stop();
    },
  };
}

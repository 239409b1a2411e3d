/**
 * "Start system test" in one click: which backends run the example system-test pack without asking.
 * The backends of the last system test when they are all still ready; else every ready backend that
 * can edit files. It asks only when the last choice no longer holds (a backend used last time is not
 * ready now, others are) and explains what to install when nothing can do the work.
 */
import type { BackendView } from '../api.js';

/** The example pack a new workspace gets (packs/system.jsonl and its fixtures). */
export const SYSTEM_PACK = 'system';

/** A backend as the choice sees it. */
export interface SystemTestCandidate {
  name: string;
  ready: boolean;
  /** False for backends that only answer (echo): an agent must edit the fixture for its check to pass. */
  edits_files: boolean;
  /** A binary was found: not ready then means set-up (a login, an option), not installation. */
  installed: boolean;
  /** Why it is not ready, in plain words. */
  problem: string | null;
}

/** A CLI a teammate can install to run system tests (drivers that name their npm package). */
export interface InstallHint {
  label: string;
  npm_package: string;
}

export type SystemTestChoice =
  | { kind: 'start'; backends: string[]; why: string }
  /** The UI opens the start dialog with `candidates` offered, saying `message`. */
  | { kind: 'choose'; candidates: string[]; message: string }
  /** The UI explains `message` (what to install or configure); nothing can run the pack here. */
  | { kind: 'nothing_ready'; message: string };

export function candidateOf(view: BackendView, editsFiles: boolean): SystemTestCandidate {
  const ready = view.preflight.status === 'ok' || view.preflight.status === 'warn';
  return { name: view.name, ready, edits_files: editsFiles, installed: view.preflight.binary !== null, problem: ready ? null : (view.preflight.problems[0] ?? 'not ready') };
}

const list = (names: string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

function nothingReady(candidates: SystemTestCandidate[], installable: InstallHint[]): string {
  const blocked = candidates.filter((c) => c.edits_files && c.installed && !c.ready);
  const parts = ['No backend that can edit files is ready here, so nothing can do the system test’s work (echo only answers).'];
  if (blocked.length) parts.push(`Installed but not ready: ${blocked.map((c) => `${c.name} (${c.problem})`).join('; ')}. The Backends page shows what each one still needs.`);
  if (installable.length) parts.push(`To add one, install a coding-agent CLI and log in to it: ${installable.map((h) => `${h.label} (npm install -g ${h.npm_package})`).join(', ')}; or add a folder backend on the Backends page.`);
  parts.push('Then press “Start system test” again.');
  return parts.join(' ');
}

/**
 * The backends a one-click system test runs on, from every known backend and the backends of the
 * latest system-test run (null: none yet).
 */
export function chooseSystemTestBackends(candidates: SystemTestCandidate[], lastUsed: string[] | null, installable: InstallHint[] = []): SystemTestChoice {
  const able = candidates.filter((c) => c.ready && c.edits_files).map((c) => c.name);
  if (able.length === 0) return { kind: 'nothing_ready', message: nothingReady(candidates, installable) };
  if (lastUsed && lastUsed.length > 0) {
    const gone = lastUsed.filter((name) => !able.includes(name));
    if (gone.length === 0) return { kind: 'start', backends: lastUsed, why: `the backends of your last system test (${list(lastUsed)})` };
    const reasons = gone.map((name) => {
      const c = candidates.find((x) => x.name === name);
      return `${name}${c?.problem ? ` (${c.problem})` : c && !c.edits_files ? ' (it cannot edit files)' : ''}`;
    });
    return { kind: 'choose', candidates: able, message: `Your last system test ran on ${list(lastUsed)}, but ${list(reasons)} ${gone.length === 1 ? 'is' : 'are'} not ready now. Choose the backends to run it on.` };
  }
  return { kind: 'start', backends: able, why: able.length === 1 ? `${able[0]}, the ready backend that can edit files` : `every ready backend that can edit files (${list(able)})` };
}

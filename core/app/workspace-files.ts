/**
 * Packs and folder backends made and edited from the app: the pack is checked as a whole (the same
 * parser runs use, errors with file:line) before it replaces the file; a folder backend is a `run`
 * script written into the backends folder agents search. Files are replaced atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HubError, errorMessage } from '../errors.js';
import { parsePack } from '../pack.js';
import { findDriver } from '../../drivers/registry.js';
import { backendSearchDirs, checkBackendName } from '../../drivers/folder.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

function checkName(kind: string, name: string): void {
  if (!NAME.test(name) || name.includes('..')) throw new HubError('bad_request', `${kind} name: "${name}" is not one (letters, digits, _ . -; at most 64)`);
}

function writeAtomic(file: string, text: string, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, text, mode === undefined ? undefined : { mode });
    if (mode !== undefined) fs.chmodSync(temp, mode);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new HubError('internal', `cannot write ${file}: ${errorMessage(err)}`);
  }
}

export function readPackText(packsDir: string, name: string): { name: string; text: string } {
  checkName('pack', name);
  const file = path.join(packsDir, `${name}.jsonl`);
  if (!fs.existsSync(file)) throw new HubError('not_found', `there is no pack named "${name}" in ${packsDir}`);
  return { name, text: fs.readFileSync(file, 'utf8') };
}

/** Saves a pack after checking every line; `create` refuses to replace an existing pack. */
export function savePack(packsDir: string, input: { name: string; text: string; create: boolean }): { name: string; prompts: number } {
  checkName('pack', input.name);
  const file = path.join(packsDir, `${input.name}.jsonl`);
  if (input.create && fs.existsSync(file)) throw new HubError('conflict', `a pack named "${input.name}" exists already; open it to edit it, or choose another name`);
  const entries = parsePack(input.text, `${input.name}.jsonl`);
  if (entries.length === 0) throw new HubError('bad_request', 'the pack has no prompt: add one line like {"id": "hello", "prompt": "Say hello"}');
  writeAtomic(file, input.text.endsWith('\n') ? input.text : `${input.text}\n`);
  return { name: input.name, prompts: entries.length };
}

/** The folder new folder backends go to: the one agents search first. */
export function backendsFolder(workspaceBackendsDir: string): string {
  return backendSearchDirs()[0]?.dir ?? workspaceBackendsDir;
}

/** Creates `<folder>/<name>/run` from a script body; names taken by a driver or another folder backend are refused. */
export function createFolderBackend(folder: string, input: { name: string; script: string }): { name: string; path: string } {
  try {
    checkBackendName(input.name);
  } catch (err) {
    throw new HubError('bad_request', `backend name: ${errorMessage(err)}`);
  }
  if (findDriver(input.name)) throw new HubError('conflict', `a backend named "${input.name}" exists already (built in, or a folder backend); choose another name`);
  const script = input.script.startsWith('#!') ? input.script : `#!/bin/sh\n${input.script}`;
  const file = path.join(folder, input.name, 'run');
  writeAtomic(file, script.endsWith('\n') ? script : `${script}\n`, 0o755);
  return { name: input.name, path: file };
}

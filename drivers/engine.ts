/**
 * The Node a CLI needs against the Node it will run on. An npm CLI declares `engines.node` in its
 * package.json (Kimi Code 2.1: >=22.19; Claude Code 2.1.332: >=22); on an older Node it crashes
 * before printing a version or its help ("'node:zlib' does not provide an export named ..."), which
 * otherwise reads as a wrong or broken install.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

export interface EngineCheck {
  /** The npm package the binary belongs to, with its version. */
  package: string;
  package_version: string | null;
  /** Its `engines.node`, as written; null when it declares none. */
  requires: string | null;
  /** How the binary starts: a Node script (`#!... node`), a native executable, or something else. */
  runs_as: 'node-script' | 'native' | 'other';
  /** The Node its shebang starts, and where; null when it is not a Node script or none was found. */
  node: string | null;
  node_path: string | null;
  /** False only when both are known and the Node does not satisfy the range. */
  ok: boolean;
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  engines?: { node?: unknown };
}

/**
 * The package.json of the npm package a binary lives in, following npm's bin symlink into
 * node_modules; null for anything not installed by npm (a native install, a script of one's own).
 */
export function packageOf(binaryPath: string): { dir: string; manifest: Manifest } | null {
  let real: string;
  try {
    real = fs.realpathSync(binaryPath);
  } catch {
    return null;
  }
  const parts = real.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  const first = at === -1 ? undefined : parts[at + 1];
  if (!first) return null;
  const depth = first.startsWith('@') ? 2 : 1;
  if (parts.length <= at + depth) return null;
  const dir = parts.slice(0, at + 1 + depth).join(path.sep);
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    return typeof manifest.name === 'string' ? { dir, manifest } : null;
  } catch {
    return null;
  }
}

/** ELF, Mach-O (both byte orders, fat) and PE executables. */
const NATIVE_MAGIC = [Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.from([0xfe, 0xed, 0xfa, 0xcf]), Buffer.from([0xca, 0xfe, 0xba, 0xbe]), Buffer.from('MZ')];

/** How a binary starts, and for a Node script the `node` its `#!` line names (via env on PATH, or a path). */
function interpreterOf(binaryPath: string, env: NodeJS.ProcessEnv): { runs_as: EngineCheck['runs_as']; node_path: string | null } {
  let head: Buffer;
  try {
    const fd = fs.openSync(fs.realpathSync(binaryPath), 'r');
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.subarray(0, fs.readSync(fd, buffer, 0, 256, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { runs_as: 'other', node_path: null };
  }
  if (NATIVE_MAGIC.some((magic) => head.subarray(0, magic.length).equals(magic))) return { runs_as: 'native', node_path: null };
  const line = /^#!\s*(\S+)(?:\s+(?:-S\s+)?(\S+))?/.exec(head.toString('utf8'));
  const program = line?.[1];
  const argument = line?.[2];
  if (program && path.basename(program) === 'env' && argument && /^node(js)?$/.test(argument)) return { runs_as: 'node-script', node_path: onPath(argument, env) };
  if (program && /(^|\/)node(js)?$/.test(program)) return { runs_as: 'node-script', node_path: program };
  return { runs_as: 'other', node_path: null };
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

const nodeVersions = new Map<string, string | null>();

function nodeVersion(nodePath: string): string | null {
  if (!nodeVersions.has(nodePath)) {
    let version: string | null;
    try {
      version = execFileSync(nodePath, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
    } catch {
      version = null;
    }
    nodeVersions.set(nodePath, version);
  }
  return nodeVersions.get(nodePath) ?? null;
}

/** Null when the binary is not part of an npm package (a native install, a script of one's own). */
export function checkEngine(binaryPath: string, env: NodeJS.ProcessEnv = process.env): EngineCheck | null {
  const found = packageOf(binaryPath);
  if (!found || typeof found.manifest.name !== 'string') return null;
  const requires = typeof found.manifest.engines?.node === 'string' ? found.manifest.engines.node : null;
  const { runs_as: runsAs, node_path: nodePath } = interpreterOf(binaryPath, env);
  const node = nodePath ? nodeVersion(nodePath) : null;
  const satisfied = requires && node && semver.validRange(requires) ? semver.satisfies(node, requires, { includePrerelease: true }) : true;
  return {
    package: found.manifest.name,
    package_version: typeof found.manifest.version === 'string' ? found.manifest.version : null,
    requires,
    runs_as: runsAs,
    node,
    node_path: nodePath,
    ok: satisfied,
  };
}

/** "Kimi Code 2.1.0 (@moonshot-ai/kimi-code) needs Node >=22.19.0 but runs on Node v20.20.2 (/usr/bin/node)". */
export function engineProblem(cli: string, engine: EngineCheck): string | null {
  if (engine.ok || !engine.requires || !engine.node) return null;
  const what = `${cli} ${engine.package_version ?? ''}`.trim();
  return (
    `${what} (${engine.package}) needs Node ${engine.requires} (its package.json engines) but would run on Node ${engine.node} (${engine.node_path ?? 'node'}): ` +
    `install a Node that satisfies ${engine.requires} first on PATH, then check again; reinstalling the CLI does not help`
  );
}

/** One line for doctor and backend-check: the Node found next to the one the package declares. */
export function engineLine(engine: EngineCheck): string {
  const declared = `${engine.package}${engine.package_version ? ` ${engine.package_version}` : ''} declares ${engine.requires ? `node ${engine.requires}` : 'no engines.node'}`;
  const found =
    engine.runs_as === 'native'
      ? 'not needed (a native executable; engines only concern its npm install)'
      : engine.node
        ? `${engine.node} (${engine.node_path ?? 'node'})`
        : engine.runs_as === 'node-script'
          ? 'not found on PATH'
          : 'unknown (not a Node script)';
  return `${found}; ${declared}${engine.ok ? '' : ': NOT MET'}`;
}

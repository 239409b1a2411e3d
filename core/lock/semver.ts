/**
 * Version order for the lock's drift report: semver precedence (major.minor.patch, then pre-release
 * identifiers; build metadata ignored). Anything that is not a version we can order returns null,
 * and the caller reports it as "different" rather than guessing.
 */

interface Parsed {
  core: [number, number, number];
  pre: string[];
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Parsed | null {
  const match = VERSION.exec(text.trim());
  if (!match) return null;
  const [major, minor, patch] = [match[1], match[2], match[3] ?? '0'].map(Number) as [number, number, number];
  if (![major, minor, patch].every(Number.isSafeInteger)) return null;
  return { core: [major, minor, patch], pre: match[4] ? match[4].split('.') : [] };
}

function comparePre(a: string[], b: string[]): number {
  // A release is newer than any of its pre-releases (1.0.0 > 1.0.0-rc.1).
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const xNum = /^\d+$/.test(x);
    const yNum = /^\d+$/.test(y);
    if (xNum && yNum) return Number(x) - Number(y);
    if (xNum !== yNum) return xNum ? -1 : 1; // numeric identifiers sort before alphanumeric ones
    return x < y ? -1 : 1;
  }
  return 0;
}

/** -1 when a < b, 0 when equal in precedence, 1 when a > b; null when either is not a version. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 | null {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return null;
  for (let i = 0; i < 3; i += 1) {
    const diff = (pa.core[i] ?? 0) - (pb.core[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  const pre = comparePre(pa.pre, pb.pre);
  return pre === 0 ? 0 : pre < 0 ? -1 : 1;
}

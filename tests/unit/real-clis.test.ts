import { describe, expect, it } from 'vitest';
import { minimumNode, pathWith, versionMatches } from '../../scripts/real-clis.js';

describe('real-clis helpers', () => {
  it('reads a plain ">=X.Y.Z" engines.node and nothing else', () => {
    expect(minimumNode('>=22.19.0')).toBe('22.19.0');
    expect(minimumNode(' >= v20.0.1 ')).toBe('20.0.1');
    expect(minimumNode('^20 || >=22')).toBeNull();
    expect(minimumNode(undefined)).toBeNull();
    expect(minimumNode({ node: '>=22' })).toBeNull();
  });

  it('puts a runtime folder first on PATH only when there is one', () => {
    expect(pathWith('/rt/bin', '/usr/bin:/bin')).toBe('/rt/bin:/usr/bin:/bin');
    expect(pathWith(null, '/usr/bin')).toBe('/usr/bin');
  });

  it('finds the pinned version as a whole token in --version output', () => {
    expect(versionMatches('2.1.0', '2.1.0')).toBe(true);
    expect(versionMatches('codex-cli 0.169.0', '0.169.0')).toBe(true);
    expect(versionMatches('2.1.01', '2.1.0')).toBe(false);
    expect(versionMatches('12.1.0', '2.1.0')).toBe(false);
  });
});

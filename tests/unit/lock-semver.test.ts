import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../core/lock/semver.js';

describe('compareVersions (semver precedence for lock drift)', () => {
  it('orders major, minor and patch numerically, not as text', () => {
    expect(compareVersions('2.1.197', '2.1.20')).toBe(1);
    expect(compareVersions('0.61.0', '0.169.0')).toBe(-1);
    expect(compareVersions('1.18.33', '1.18.33')).toBe(0);
    expect(compareVersions('v1.2.3', '1.2.3')).toBe(0);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
  });

  it('puts a pre-release before its release and orders pre-release identifiers', () => {
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(compareVersions('1.0.0-alpha.2', '1.0.0-alpha.10')).toBe(-1);
    expect(compareVersions('1.0.0-beta', '1.0.0-alpha.9')).toBe(1);
    expect(compareVersions('1.0.0-1', '1.0.0-alpha')).toBe(-1);
  });

  it('ignores build metadata and gives null for what is not a version', () => {
    expect(compareVersions('1.0.0+abc', '1.0.0+def')).toBe(0);
    expect(compareVersions('nightly', '1.0.0')).toBeNull();
    expect(compareVersions('1.0.0', '2.1.x')).toBeNull();
  });
});

// tsc does not keep the executable bit; npm links `bin` as-is, so set it after every build.
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/core/cli/main.js', import.meta.url), 0o755);

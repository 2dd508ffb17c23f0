// Run by `npm ci` (prepare): links our own CLI into node_modules/.bin, so `npx jepsen-ts` in a
// clone finds it at once instead of installing the repo into npx's cache (a slow second build).
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const link = join(root, 'node_modules', '.bin', 'jepsen-ts');
mkdirSync(dirname(link), { recursive: true });
rmSync(link, { force: true });
symlinkSync('../../bin/jepsen-ts.js', link);

#!/usr/bin/env node
// The installed entry point: the CLI itself lives in dist/harness/cli.js (built by `npm ci`).
import { main } from '../dist/harness/cli.js';

main(process.argv.slice(2));

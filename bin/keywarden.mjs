#!/usr/bin/env node
// The `keywarden` command: registers tsx so the TypeScript CLI runs as it is, without a build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);

#!/usr/bin/env node
// Entry point of the `sscard` command. The sources are TypeScript; tsx compiles them on load so that
// there is no build step between a checkout and a working command.
import { register } from 'tsx/esm/api';

register();
const { runCommand } = await import('../src/cli/main.ts');
await runCommand(process.argv);

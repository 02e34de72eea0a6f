#!/usr/bin/env node
/** `stylegpu`: the binary. Every error ends the process with a message and exit code 1. */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    // Commander already printed help, the version or its own usage error.
    if (err instanceof CommanderError) process.exit(err.exitCode);
    console.error(`stylegpu: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });

#!/usr/bin/env node
/** `stylegpu`: the binary. Every error ends the process with a message and exit code 1. */
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    console.error(`stylegpu: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });

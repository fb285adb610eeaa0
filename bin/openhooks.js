#!/usr/bin/env node
// The server process never loads isolated-vm (hook code runs in forked workers, which get
// --no-node-snapshot themselves), so no special flags are needed here.
await import('../dist/cli/main.js')

#!/usr/bin/env node
// The server process never loads isolated-vm (hook code runs in forked workers, which get
// --no-node-snapshot themselves), so no special flags are needed here. The Node.js line is checked
// first: an unsupported one stops here with one line, before any dependency is loaded.
import { nodeLineVerdict } from '../scripts/node-lines.js'

const verdict = nodeLineVerdict(process.versions.node, new Date())
if (verdict.level !== 'ok') process.stderr.write(`${verdict.message}\n`)
if (verdict.level === 'refuse') process.exit(1)
await import('../dist/cli/main.js')

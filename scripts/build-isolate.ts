/**
 * `npm run build`, after tsc: bundles the isolate's runtime (src/sandbox/isolate/) into
 * dist/sandbox/, where src/sandbox/isolate-runtime.ts, compiled next to it, loads it.
 */
import { writeFileSync } from 'node:fs'
import { BUNDLE_FILE, bundleIsolateRuntime } from '../src/sandbox/isolate-runtime.js'

const target = new URL(`../dist/sandbox/${BUNDLE_FILE}`, import.meta.url)
writeFileSync(target, await bundleIsolateRuntime())
console.log(`wrote ${target.pathname}`)

// A node:test reporter that writes one JSON line per top-level test (file, name, duration in ms)
// and per file (its tests' total), for scripts/test-timings.js. Used by `node
// scripts/run-tests.js --timings FILE` next to the usual TAP output.
export default async function* timingReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const data = event.data
    if (data.nesting !== 0 || data.file === undefined) continue
    yield `${JSON.stringify({
      file: data.file,
      name: data.name,
      durationMs: data.details?.duration_ms ?? 0,
      ok: event.type === 'test:pass',
    })}\n`
  }
}

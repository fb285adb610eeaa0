/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: look everywhere reachable for the secrets of a hook that ran just before in the same worker
// setup: other-hook-secrets
// expect: ok {"found":false}
module.exports = function (user, context, cb) {
  const needle = 'NEEDLE-OTHER-HOOK-SECRET'
  const seen = new Set()
  let found = false
  function visit(value, depth) {
    if (found || depth > 6 || value === null) return
    if (typeof value === 'string') {
      if (value.includes(needle)) found = true
      return
    }
    if (typeof value !== 'object' && typeof value !== 'function') return
    if (seen.has(value)) return
    seen.add(value)
    for (const key of Reflect.ownKeys(value)) {
      let item
      try {
        item = value[key]
      } catch (e) {
        continue
      }
      visit(item, depth + 1)
    }
  }
  visit(globalThis, 0)
  visit(context, 0)
  visit([console, setTimeout, cb, module, exports, require], 0)
  cb(null, { found })
}

/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: the same hook version, called again, hunts for the previous caller's data in what the
// runtime hands it (it keeps nothing itself)
// setup: previous-caller
// expect: ok {"found":false}
module.exports = function (user, context, cb) {
  const needle = 'NEEDLE-PREVIOUS-CALLER'
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
  visit([user, context, console, setTimeout, cb, module, exports], 0)
  cb(null, { found })
}

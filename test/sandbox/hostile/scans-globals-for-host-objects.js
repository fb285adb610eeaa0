/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: enumerate every global and every property of the runtime objects looking for host handles
// expect: ok {"suspicious":[]}
module.exports = function (user, context, cb) {
  const names = Object.getOwnPropertyNames(globalThis)
  const hostNames = ['process', 'require', 'module', 'exports', 'ivm', '_ivm', '__filename']
  const suspicious = names.filter(
    (name) => hostNames.includes(name) || /^[_$]|ivm|isolate|host|bridge|dispatch/i.test(name),
  )
  // Buffer and the Web APIs are the runtime's own, written inside the isolate (issue 9).
  for (const object of [console, setTimeout, cb, Buffer, fetch, URL, crypto, Headers]) {
    for (const key of Reflect.ownKeys(object)) {
      const value = object[key]
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        key !== 'prototype'
      ) {
        suspicious.push(String(key))
      }
    }
  }
  cb(null, { suspicious })
}

/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: use Error.prepareStackTrace to get at the functions and receivers of the runtime frames
// expect: ok {"functions":0,"receivers":0,"hostGlobals":false}
module.exports = function (user, context, cb) {
  let frames = []
  Error.prepareStackTrace = function (error, callSites) {
    frames = callSites
    return 'captured'
  }
  new Error('probe').stack
  const functions = frames.filter(
    (site) => typeof site.getFunction() === 'function' && site.getFunction() !== module.exports,
  )
  const receivers = frames.filter((site) => {
    const self = site.getThis()
    return self !== undefined && self !== globalThis
  })
  const g = Function('return this')()
  cb(null, {
    functions: functions.length,
    receivers: receivers.length,
    hostGlobals: typeof g.process !== 'undefined' || typeof g.require !== 'undefined',
  })
}

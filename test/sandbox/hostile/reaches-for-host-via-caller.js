/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: read cb.caller / arguments.callee.caller to grab the runtime's dispatcher
// expect: ok {"callbackCaller":"TypeError","hookCaller":null}
module.exports = function hook(user, context, cb) {
  let callbackCaller
  try {
    callbackCaller = typeof cb.caller
  } catch (e) {
    callbackCaller = e.name
  }
  cb(null, { callbackCaller, hookCaller: hook.caller })
}

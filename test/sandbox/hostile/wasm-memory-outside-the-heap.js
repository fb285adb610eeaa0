/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: allocate WebAssembly memories (256 MiB each, outside the isolate's heap limit) in a loop, touch them and keep them in module scope; also look for WebAssembly through other paths
// expect: ok {"typeof":"undefined","global":"undefined","viaFunction":"undefined","allocated":0,"refused":"ReferenceError"}
const kept = []
module.exports = function (user, context, cb) {
  let allocated = 0
  let refused = 'none'
  for (let i = 0; i < 6; i++) {
    try {
      const memory = new WebAssembly.Memory({ initial: 4096 })
      new Uint8Array(memory.buffer).fill(1)
      kept.push(memory)
      allocated++
    } catch (error) {
      refused = error.name
      break
    }
  }
  cb(null, {
    typeof: typeof WebAssembly,
    global: typeof globalThis.WebAssembly,
    viaFunction: Function('return typeof WebAssembly')(),
    allocated,
    refused,
  })
}

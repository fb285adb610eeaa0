// The bench's interleaved rounds (bench/lib/load.ts `alternate`): with `rotate`, each round starts
// one variant later, so that each variant follows each other one equally often (issue 21's third
// pass, docs/performance.md: a tracing process's export after its slice lands in the next slice);
// without it, the order stays fixed, as the other scenarios expect.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alternate, type LoadSlice } from '../../bench/lib/load.js'

const SLICE: LoadSlice = { samples: [1], errors: 0, seconds: 1, unexpected: {} }

async function order(rotate: boolean | undefined): Promise<string[]> {
  const ran: string[] = []
  const slices = await alternate(
    ['a', 'b', 'c'],
    3,
    (variant, warmup) => {
      if (!warmup) ran.push(variant)
      return Promise.resolve(SLICE)
    },
    rotate === undefined ? {} : { rotate },
  )
  assert.deepEqual(Object.fromEntries(Object.entries(slices).map(([k, v]) => [k, v.length])), {
    a: 3,
    b: 3,
    c: 3,
  })
  return ran
}

test('rotated rounds: each variant follows each other one once in three rounds', async () => {
  assert.deepEqual(await order(true), ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b'])
})

test('without rotation the order is fixed', async () => {
  const fixed = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']
  assert.deepEqual(await order(undefined), fixed)
  assert.deepEqual(await order(false), fixed)
})

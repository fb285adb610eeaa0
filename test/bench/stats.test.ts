import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { histogram, latencySvg, toRecord } from '../../bench/lib/report.js'
import { formatMs, percentile, summarize, target } from '../../bench/lib/stats.js'

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    assert.equal(percentile(sorted, 0.5), 50)
    assert.equal(percentile(sorted, 0.99), 99)
    assert.equal(percentile(sorted, 1), 100)
    assert.equal(percentile([7], 0.99), 7)
    assert.ok(Number.isNaN(percentile([], 0.5)))
    assert.deepStrictEqual(summarize([3, 1, 2, 4]), {
      count: 4,
      p50: 2,
      p90: 4,
      p99: 4,
      max: 4,
      mean: 2.5,
    })
  })

  it('checks targets in both directions and fails on a missing figure', () => {
    assert.equal(target('a', 0.9, '>=', 0.85, '×').met, true)
    assert.equal(target('a', 0.8, '>=', 0.85, '×').met, false)
    assert.equal(target('b', 15, '<=', 15, 'ms').met, true)
    assert.equal(target('b', 15.1, '<=', 15, 'ms').met, false)
    assert.equal(target('c', Number.NaN, '<=', 15, 'ms').met, false)
  })

  it('counts samples in ten buckets per decade from 1 µs', () => {
    // 1 µs → bucket 0; 1 ms → 30; 1.3 ms → 31; 9.99 ms → 39; 10 ms → 40; below 1 µs → 0.
    const counts = histogram([0.001, 1, 1.3, 9.99, 10, 0.0001])
    assert.equal(counts.length, 41)
    assert.equal(counts[0], 2)
    assert.equal(counts[30], 1)
    assert.equal(counts[31], 1)
    assert.equal(counts[39], 1)
    assert.equal(counts[40], 1)
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      6,
    )
  })

  it('formats latencies with their unit', () => {
    assert.equal(formatMs(0.0123), '12.3 µs')
    assert.equal(formatMs(0.9999), '1.00 ms')
    assert.equal(formatMs(250.4), '250 ms')
    assert.equal(formatMs(1500), '1.50 s')
    assert.equal(formatMs(Number.NaN), '—')
  })

  it('draws one box per variant, escaping names', () => {
    const record = toRecord(
      {
        id: 'x',
        title: 'A & B',
        unit: 'one call',
        variants: [
          { name: 'fast <1>', samples: [1, 2, 3], errors: 0 },
          { name: 'slow', samples: [10, 20, 30], errors: 0 },
        ],
        ratios: [],
        targets: [],
        notes: [],
      },
      1,
    )
    const svg = latencySvg({
      profile: 'smoke',
      startedAt: '2026-11-26T00:00:00.000Z',
      seconds: 1,
      machine: { node: 'v20', cpu: 'cpu', cores: 2, memoryGb: 1, loadStart: 0, loadEnd: 0 },
      command: 'x',
      scenarios: [record],
    })
    assert.equal(svg.match(/<rect x=/g)?.length, 2)
    assert.ok(svg.includes('A &amp; B') && svg.includes('fast &lt;1&gt;'))
  })
})

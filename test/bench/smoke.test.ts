/**
 * The benchmark is not part of `npm test`; this smoke run of every scenario (a few requests each)
 * is, so that the bench cannot rot. It checks that each scenario ran every variant without an
 * error and that the three outputs were written, not the figures (they depend on the machine).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { BenchReport } from '../../bench/lib/report.js'
import { SCENARIOS, runBench } from '../../bench/run.js'
import { postgresUnavailable } from '../helpers/postgres.js'
import {
  BEGIN_MARKER,
  DOC_PATH,
  END_MARKER,
  RESULTS_JSON,
  renderDoc,
} from '../../bench/update-doc.js'

describe('npm run bench, smoke profile', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'openhooks-bench-smoke-'))
  after(() => rmSync(outDir, { recursive: true, force: true }))

  // The cluster scenario needs PostgreSQL: without it (outside CI) it is left out, with the
  // same line as the other PostgreSQL tests.
  const withoutPostgres = postgresUnavailable()
  if (withoutPostgres !== undefined)
    it('runs the cluster scenario', { skip: withoutPostgres }, () => {})
  const scenarios = SCENARIOS.filter((s) => s.id !== 'cluster' || withoutPostgres === undefined)

  it('runs every scenario and writes JSON, Markdown and SVG', async () => {
    const lines: string[] = []
    const report = await runBench({
      profile: 'smoke',
      scenarios,
      outDir,
      command: 'smoke test',
      log: (line) => lines.push(line),
    })
    assert.deepStrictEqual(
      report.scenarios.map((s) => s.id),
      [
        'token',
        'runtime',
        'signup',
        'cold-start',
        'many-hooks',
        'management',
        'cpu-flood',
        'token-peer',
        'observability-cost',
        ...(withoutPostgres === undefined ? ['cluster'] : []),
      ],
    )
    for (const scenario of report.scenarios) {
      assert.ok(scenario.variants.length >= 2, scenario.id)
      for (const variant of scenario.variants) {
        assert.equal(variant.errors, 0, `${scenario.id} / ${variant.name}`)
        assert.ok(variant.summary.count > 0, `${scenario.id} / ${variant.name} has samples`)
        assert.ok(variant.summary.p50 > 0 && variant.summary.p99 >= variant.summary.p50)
      }
      for (const ratio of scenario.ratios) assert.ok(Number.isFinite(ratio.value), ratio.label)
    }
    const targets = report.scenarios.flatMap((s) => s.targets.map((t) => t.label))
    // Nine of the earlier scenarios, the cpu-flood one (issue 17, finding 6), the five of
    // the comparison with oidc-provider (issue 23), the two of observability's cost (issue 21)
    // and the three of the cluster (issue 20).
    assert.equal(targets.length, withoutPostgres === undefined ? 20 : 17)

    const json = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchReport
    assert.deepStrictEqual(json, JSON.parse(JSON.stringify(report)))
    const markdown = readFileSync(join(outDir, 'results.md'), 'utf8')
    const svg = readFileSync(join(outDir, 'latency.svg'), 'utf8')
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'))
    for (const scenario of report.scenarios) {
      assert.ok(markdown.includes(`### ${scenario.title}`), scenario.id)
      assert.ok(svg.includes(scenario.title.replace(/&/g, '&amp;')), scenario.id)
    }
    // Every scenario's table was printed as it finished.
    assert.equal(lines.filter((l) => l.startsWith('### ')).length, report.scenarios.length)
  })
})

describe('docs/performance.md', () => {
  it('has the results section rendered from docs/performance/results.json', () => {
    const doc = readFileSync(DOC_PATH, 'utf8')
    assert.ok(doc.includes(BEGIN_MARKER) && doc.includes(END_MARKER))
    assert.ok(
      existsSync(RESULTS_JSON),
      'run `npm run bench` to write docs/performance/results.json',
    )
    const report = JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as BenchReport
    assert.equal(renderDoc(doc, report), doc, 'stale: run `npm run bench:doc`')
  })
})

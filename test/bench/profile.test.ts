import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type CpuProfile, moduleOf, renderProfile, summarizeProfile } from '../../bench/profile/summarize.ts'

const ROOT = '/work/app'

/** root → handler (src) → ioredis send; root → (idle); root → (garbage collector). */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4, 5] },
    {
      id: 2,
      callFrame: { functionName: 'handler', url: `file://${ROOT}/src/coupon/routes.ts`, lineNumber: 9 },
      children: [3],
    },
    {
      id: 3,
      callFrame: {
        functionName: 'sendCommand',
        url: `file://${ROOT}/node_modules/ioredis/built/Redis.js`,
        lineNumber: 353,
      },
    },
    { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    { id: 5, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
  ],
  startTime: 0,
  endTime: 10_000,
  samples: [2, 3, 3, 4, 4, 4, 4, 5],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
}

describe('cpuprofile summary', () => {
  it('names modules: packages, project files, node internals, V8 pseudo-frames', () => {
    assert.equal(
      moduleOf('file:///x/node_modules/@platformatic/kafka/dist/a.js', 'f'),
      'pkg:@platformatic/kafka',
    )
    assert.equal(moduleOf('file:///x/node_modules/pg/lib/client.js', 'f'), 'pkg:pg')
    assert.equal(moduleOf(`file://${ROOT}/src/a.ts`, 'f', ROOT), 'src/a.ts')
    assert.equal(moduleOf('node:internal/streams/writable', 'f'), 'node:internal/streams')
    assert.equal(moduleOf('node:net', 'f'), 'node:net')
    assert.equal(moduleOf('', '(garbage collector)'), '(garbage collector)')
    assert.equal(moduleOf('', 'writeUtf8String'), '(native/V8)')
  })

  it('splits busy from idle time and attributes self and inclusive time', () => {
    const s = summarizeProfile(profile, { projectRoot: ROOT })
    assert.equal(s.wallMs, 10)
    assert.equal(s.idleMs, 4)
    assert.equal(s.busyMs, 4)
    assert.equal(s.gcMs, 1)
    assert.deepEqual(
      s.byModule.map((e) => [e.name, e.ms]),
      [
        ['pkg:ioredis', 2],
        ['src/coupon/routes.ts', 1],
        ['(garbage collector)', 1],
      ],
    )
    assert.equal(s.byModule[0]?.percent, 50)
    // The handler's inclusive time covers what it called.
    assert.deepEqual(
      s.projectInclusive.map((e) => [e.name, e.ms]),
      [['handler (src/coupon/routes.ts:10)', 3]],
    )
    assert.equal(s.byModuleInclusive.find((e) => e.name === 'src/coupon/routes.ts')?.ms, 3)
  })

  it('merges several profiles (a restarted process) into one summary', () => {
    const s = summarizeProfile([profile, profile], { projectRoot: ROOT })
    assert.equal(s.busyMs, 8)
    assert.equal(s.wallMs, 20)
  })

  it('renders Markdown tables', () => {
    const md = renderProfile(summarizeProfile(profile, { projectRoot: ROOT }), 'api')
    assert.match(md, /^api: 0\.0 s profiled/)
    assert.match(md, /\| `pkg:ioredis` \| 2 \| 50\.0 \|/)
  })
})

import assert from 'node:assert/strict'
import { availableParallelism } from 'node:os'
import { describe, it } from 'node:test'
import {
  type Component,
  type CpuSample,
  componentOf,
  cpuShare,
  listeningInodes,
  machineBusyTicks,
  parseStat,
} from '../../bench/lib/cpu.ts'

describe('CPU accounting from /proc', () => {
  it('finds the sockets listening on the stack ports in /proc/net/tcp', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:18EC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0',
      '   1: 00000000:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0 100 0 0 10 0',
      '   2: 0100007F:0BB9 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0 100 0 0 10 0',
      '   3: 0100007F:6D6C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0 100 0 0 10 0',
    ].join('\n')
    // 0x18EC = 6380 (redis), 0x0BB9 = 3001 (coupon; the established connection is not a listener).
    assert.deepEqual(
      [...listeningInodes(tcp, new Set([6380, 3001]))],
      [
        ['1111', 6380],
        ['2222', 3001],
      ],
    )
  })

  it('reads utime + stime and the parent after a process name with spaces and parentheses', () => {
    const stat = '1234 (node (worker) x) S 77 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 7 0 100'
    assert.deepEqual(parseStat(stat), { ticks: 300, ppid: 77 })
  })

  it('counts busy ticks as everything but idle and iowait', () => {
    // user nice system idle iowait irq softirq steal
    assert.equal(machineBusyTicks('cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 1 2 3'), 170)
  })

  it("gives a process its own component, else its ancestor's (PostgreSQL backends), else other", () => {
    const own = new Map<number, Component>([
      [10, 'postgres'],
      [20, 'coupon'],
    ])
    const parent = new Map([
      [11, 10],
      [12, 11],
      [30, 1],
      [20, 99],
    ])
    assert.equal(componentOf(12, own, parent, 99), 'postgres')
    assert.equal(componentOf(20, own, parent, 99), 'coupon')
    assert.equal(componentOf(30, own, parent, 99), 'other')
    assert.equal(componentOf(99, own, parent, 99), 'bench')
  })

  it('computes shares process by process and shows what vanished as unattributed', () => {
    const sample = (at: number, busy: number, procs: Array<[number, number, Component]>): CpuSample => ({
      at,
      busy,
      processes: new Map(procs.map(([pid, ticks, component]) => [pid, { ticks, component }])),
    })
    // 10 s on N cores: capacity = 10 × 100 × N ticks.
    const before = sample(0, 0, [
      [1, 100, 'kafka'],
      [2, 50, 'postgres'],
      [3, 500, 'other'],
    ])
    const after = sample(10_000, 0, [
      [1, 300, 'kafka'],
      [2, 150, 'postgres'],
      [4, 100, 'postgres'], // a backend that started during the run: all its time counts
    ])
    const share = cpuShare(before, { ...after, busy: 600 })
    const n = availableParallelism()
    const pct = (ticks: number) => Math.round((ticks / (10 * 100 * n)) * 100 * 10) / 10
    assert.deepEqual(share, {
      machine: pct(600),
      kafka: pct(200),
      postgres: pct(200),
      unattributed: pct(200),
    })
  })
})

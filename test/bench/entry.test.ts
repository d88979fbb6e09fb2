import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'

function benchMain(...args: string[]) {
  return spawnSync(process.execPath, ['bench/main.ts', ...args], { encoding: 'utf8', timeout: 30_000 })
}

/** Every .ts file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  )
}

describe('the load tools live outside the services', () => {
  it('bench/main.ts answers help for bench and loadtest, and refuses an unknown command', () => {
    const bench = benchMain('bench', '--help')
    assert.equal(bench.status, 0, bench.stderr)
    assert.match(bench.stdout, /^Usage: node bench\/main\.ts bench /)
    const loadtest = benchMain('loadtest', '--help')
    assert.equal(loadtest.status, 0, loadtest.stderr)
    assert.match(loadtest.stdout, /^Usage: node bench\/main\.ts loadtest /)
    const bad = benchMain('bench', '--no-such-option')
    assert.equal(bad.status, 2)
    const unknown = benchMain('serve')
    assert.equal(unknown.status, 2)
    assert.match(unknown.stderr, /Unknown command "serve"/)
  })

  it('no file under src/ imports from bench/', () => {
    const offenders = sources('src').filter((file) =>
      /from ['"](\.\.\/)+bench\//.test(readFileSync(file, 'utf8')),
    )
    assert.deepEqual(offenders, [])
  })
})

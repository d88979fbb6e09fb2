import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { expandIncludes } from '../../src/platform/lua-includes.ts'
import { readPromotionScripts } from '../../src/shared/promotion-scripts.ts'
import { SCRIPT_STATUSES } from '../../src/shared/script-status.ts'

describe('Lua includes, expanded at load time', () => {
  const fragments = new Map([
    ['a', 'local A = 1'],
    ['b', '--- @include "a"\nlocal B = A + 1\n'],
    ['loop', '--- @include "loop"\nlocal L = 1'],
  ])

  it('replaces an include line by its fragment, and fragments by theirs', () => {
    assert.equal(
      expandIncludes('x-1.lua', '--- @include "b"\nreturn B', fragments),
      'local A = 1\nlocal B = A + 1\nreturn B',
    )
  })

  it('inlines a fragment once per script, however often it is included', () => {
    const lua = expandIncludes(
      'x-1.lua',
      '--- @include "a"\n--- @include "b"\n--- @include "a"\nreturn B',
      fragments,
    )
    assert.equal(lua.match(/local A = 1/g)?.length, 1)
    assert.ok(lua.indexOf('local A = 1') < lua.indexOf('local B = A + 1'), 'before its first use')
    assert.equal(
      expandIncludes('x-1.lua', '--- @include "loop"\nreturn L', fragments).match(/local L/g)?.length,
      1,
    )
  })

  it('refuses an include of an unknown fragment, naming the script and the fragment', () => {
    assert.throws(
      () => expandIncludes('accept-3.lua', 'local x = 1\n--- @include "nowhere"\n', fragments),
      /accept-3\.lua.*"nowhere"/,
    )
    assert.throws(
      () => expandIncludes('x-1.lua', '--- @include "c"', new Map([['c', '--- @include "gone"']])),
      /fragment "c" includes "gone"/,
    )
  })

  it('leaves lines that only look alike alone (comments, includes inside a line)', () => {
    const source = '-- @include "a"\nlocal s = \'--- @include "a"\''
    assert.equal(expandIncludes('x-1.lua', source, fragments), source)
  })

  it('builds every promotion script of both flows with no include directive left', () => {
    for (const flow of ['coupon', 'timesale']) {
      const scripts = readPromotionScripts(new URL(`../../src/${flow}/lua/`, import.meta.url))
      assert.ok(scripts.length >= 6, flow)
      for (const script of scripts) assert.doesNotMatch(script.lua, /@include/, `${flow} ${script.name}`)
    }
  })

  it('the Lua status constants are exactly the statuses scriptPayload maps', () => {
    const status = readFileSync(new URL('../../src/shared/lua/includes/status.lua', import.meta.url), 'utf8')
    const constants = [...status.matchAll(/^local (\w+) = '(\w+)'$/gm)].map(([, name, value]) => {
      assert.equal(name, value)
      return value
    })
    assert.deepEqual(constants.sort(), Object.keys(SCRIPT_STATUSES).sort())
  })
})

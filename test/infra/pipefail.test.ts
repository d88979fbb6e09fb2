/**
 * Static check of the shell scripts for one kind of fault: a pipeline whose last reader exits early
 * (`grep -q`, `grep -m`, `head`, `awk … exit`, `sed …q`). The writer before it then dies of SIGPIPE, and
 * under `set -o pipefail` (every script in infra/ and .ci/ runs with it) the pipeline fails although the
 * match was found. Capture the output in a variable first, or let the reader read everything.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** A command that may stop reading its input before the end. */
const EARLY_EXIT = [
  /^grep\b.*\s(-[a-zA-Z]*[qm][a-zA-Z0-9]*|--quiet|--silent|--max-count)\b/,
  /^head\b/,
  /^awk\b.*\bexit\b/,
  /^sed\b.*(^|[;{\s'])q\b/,
]

/** The stages after the first `|` of a shell line (comments and `||` left out). */
function readers(line: string): string[] {
  const code = line.replace(/(^|\s)#.*$/, '').replaceAll('||', '  ')
  return code
    .split('|')
    .slice(1)
    .map((stage) => stage.trim())
}

/** The lines of `text` that pipe into a command that may exit early, as "<line>: <text>". */
function earlyExitPipes(text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, index) =>
      readers(line).some((stage) => EARLY_EXIT.some((pattern) => pattern.test(stage)))
        ? [`${index + 1}: ${line.trim()}`]
        : [],
    )
}

function scripts(): string[] {
  const infra = readdirSync(join(ROOT, 'infra'))
    .filter((name) => name.endsWith('.sh'))
    .map((name) => join('infra', name))
  const ci = readdirSync(join(ROOT, '.ci')).map((name) => join('.ci', name))
  return [...infra, ...ci]
}

describe('shell pipelines under pipefail', () => {
  it('recognises the pipelines that fail by SIGPIPE, and leaves the safe ones alone', () => {
    const bad = [
      'bash infra/stack.sh status | grep -Eq "^kafka"',
      "tr '\\0' ' ' </proc/1/cmdline | grep -qF -- java || return 1",
      'java -version 2>&1 | sed -n p | head -n1',
      'cat log | grep -m1 started',
      "tail -n 100 log | awk '/started/ { exit }'",
      'ps ax | grep --quiet kafka',
    ]
    const good = [
      'grep -Eq "^kafka" <<<"$status"',
      'head -c16 /dev/urandom | base64',
      "tail -n +2 log | tail -n 40 | sed 's/^/    /'",
      'pid_alive "$pid" || return 1',
      '# `tail | grep -q` fails under pipefail',
      "missing_apt_packages | sed '/^$/d'",
    ]
    assert.deepEqual(
      bad.map((line) => earlyExitPipes(line).length),
      bad.map(() => 1),
    )
    assert.deepEqual(good.flatMap(earlyExitPipes), [])
  })

  it('no script in infra/ or .ci/ pipes into a command that exits early', () => {
    const files = scripts()
    assert.ok(files.includes(join('infra', 'test.sh')) && files.includes(join('.ci', 'run')))
    const found = files.flatMap((file) =>
      earlyExitPipes(readFileSync(join(ROOT, file), 'utf8')).map((hit) => `${file}:${hit}`),
    )
    assert.deepEqual(found, [])
  })
})

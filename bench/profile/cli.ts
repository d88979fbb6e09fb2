#!/usr/bin/env node
/**
 * Summarises `.cpuprofile` files: `node bench/profile/cli.ts <file-or-dir>… [--top 25]`. A directory means
 * all its profiles, merged. Prints Markdown (self time by module and function, inclusive time of src/).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type CpuProfile, renderProfile, summarizeProfile } from './summarize.ts'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

/** The file itself, or every `.cpuprofile` in a directory (a process that restarted wrote several). */
export function profileFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(path, f))
    .sort()
}

/** Markdown summary of the profiles at `path` (merged), or undefined if there are none. */
export function summarizeFile(path: string, top = 25): string | undefined {
  const files = profileFiles(path)
  if (files.length === 0) return undefined
  const profiles = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile)
  const label = files.length === 1 ? (files[0] ?? '') : `${files.length} profiles in ${path}`
  return renderProfile(summarizeProfile(profiles, { projectRoot: ROOT, top }), label.replace(`${ROOT}/`, ''))
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help || positionals.length === 0) {
    console.log('Usage: node bench/profile/cli.ts <file.cpuprofile | dir>… [--top 25]')
    process.exit(values.help ? 0 : 2)
  }
  for (const path of positionals) {
    const text = summarizeFile(path, Number(values.top))
    console.log(text ?? `${path}: no .cpuprofile found`, '\n')
  }
}

/**
 * Lua fragments shared between scripts, inlined when a script is loaded (as bullmq does): a line
 * `--- @include "name"` is replaced by the fragment `name`, once per script — a fragment that several
 * others include is inlined at its first mention only, and an include cycle ends there too. Fragments may
 * include fragments. Redis runs one self-contained source per script, so this is all the "linking" there
 * is; a fragment defines `local` functions and constants that the code after it uses.
 */
const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm

/**
 * `source` (the script `script`, named in errors) with every include directive replaced by its fragment's
 * text from `fragments` (name → Lua source). Throws when a script includes a fragment that does not exist.
 */
export function expandIncludes(
  script: string,
  source: string,
  fragments: ReadonlyMap<string, string>,
): string {
  const inlined = new Set<string>()
  const expand = (text: string, from: string): string =>
    text.replace(INCLUDE, (_line, name: string) => {
      const fragment = fragments.get(name)
      if (fragment === undefined) {
        throw new Error(`Lua script ${script}: ${from} includes "${name}", which is not a known fragment`)
      }
      if (inlined.has(name)) return `-- (${name} is included above)`
      inlined.add(name)
      return expand(fragment.trimEnd(), `fragment "${name}"`)
    })
  return expand(source, 'the script')
}

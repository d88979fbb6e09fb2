/**
 * A network namespace joined to this host by a veth pair, so a test can be a client whose address is not
 * loopback: the server sees `<prefix>.2` connecting to `<prefix>.1`. Needs root (CAP_NET_ADMIN) and `ip`.
 */
import { execFile, execFileSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface NetNamespace {
  /** The host's address on the veth pair: what a client inside the namespace connects to. */
  readonly hostAddress: string
  /** The client's address inside the namespace, as the server will see it. */
  readonly clientAddress: string
  /** `curl` from inside the namespace: status and body. */
  curl(url: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>
  remove(): void
}

/** Creates the namespace, or returns the reason it cannot be created here (for a skip message). */
export function createNetNamespace(): NetNamespace | string {
  const id = `${process.pid % 10_000}${randomInt(100)}`
  const name = `promo-t${id}`
  const [hostIf, nsIf] = [`pth${id}`, `ptn${id}`]
  const subnet = `10.${randomInt(200, 250)}.${randomInt(1, 254)}`
  const hostAddress = `${subnet}.1`
  const clientAddress = `${subnet}.2`
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  try {
    ip('netns', 'add', name)
  } catch (error) {
    return `cannot create a network namespace (needs root and iproute2): ${String((error as Error).message).split('\n')[0]}`
  }
  const remove = () => {
    try {
      ip('netns', 'del', name) // takes the veth pair with it
    } catch {}
    try {
      ip('link', 'del', hostIf)
    } catch {}
  }
  try {
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf)
    ip('link', 'set', nsIf, 'netns', name)
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf)
    ip('link', 'set', hostIf, 'up')
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${clientAddress}/30`, 'dev', nsIf)
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up')
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up')
  } catch (error) {
    remove()
    return `cannot wire a veth pair into the namespace: ${String((error as Error).message).split('\n')[0]}`
  }
  return {
    hostAddress,
    clientAddress,
    async curl(url, headers = {}) {
      const args = ['netns', 'exec', name, 'curl', '-s', '-m', '10', '-w', '\n%{http_code}']
      for (const [key, value] of Object.entries(headers)) args.push('-H', `${key}: ${value}`)
      const { stdout } = await run('ip', [...args, url])
      const cut = stdout.lastIndexOf('\n')
      return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) }
    },
    remove,
  }
}

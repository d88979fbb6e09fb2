import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy in front of a real server, to simulate that server going down for one client only: `cut()`
 * drops every connection and refuses new ones, `restore()` lets them through again.
 */
export class TcpProxy {
  readonly #server: Server
  readonly sockets = new Set<Socket>()
  #up = true

  private constructor(server: Server) {
    this.#server = server
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined
    const server = createServer((client) => {
      if (!proxy?.up) {
        client.destroy()
        return
      }
      const owner = proxy
      const upstream = connect(targetPort, targetHost)
      for (const socket of [client, upstream]) {
        owner.sockets.add(socket)
        socket.on('close', () => owner.sockets.delete(socket))
        socket.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
    proxy = new TcpProxy(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get up(): boolean {
    return this.#up
  }

  get port(): number {
    const address = this.#server.address()
    return typeof address === 'object' && address ? address.port : 0
  }

  cut(): void {
    this.#up = false
    for (const socket of this.sockets) socket.destroy()
  }

  restore(): void {
    this.#up = true
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

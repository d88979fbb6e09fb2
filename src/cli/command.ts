/** One command of the command line (`node src/main.ts <name> …`); `cli/index.ts` lists them by name. */
export interface Command {
  /** One line for `help`. */
  readonly summary: string
  /** The command's synopsis for `help`, e.g. `dlq list --flow <flow>`. */
  readonly usage: string
  /**
   * Runs the command with the arguments after its name. Resolves to the process exit code (undefined: keep
   * running — a server command resolves once it is listening).
   */
  run(args: string[]): Promise<number | undefined>
}

/** Compares a domain's Redis state with PostgreSQL and (when `repair`) fixes Redis; one report per promotion. */
export interface Reconciler {
  reconcileAll(
    repair: boolean,
    ids?: readonly string[],
  ): Promise<ReadonlyArray<{ readonly drifted: boolean; readonly repaired: unknown }>>
}

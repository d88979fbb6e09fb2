/** The package ioredis routes cluster commands with; it ships no types. */
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0–16383) of `key`: CRC16 of its hash tag, or of the key without one. */
  export default function calculateSlot(key: string | Buffer): number
}

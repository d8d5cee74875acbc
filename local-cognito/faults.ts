/**
 * Fault injection and request counting by endpoint name: the types and the book keeping only. It
 * imports nothing of local-cognito, so the front (endpoints.ts), the admin controls and the DynamoDB
 * front can all use it without importing each other.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';

export const FaultSchema = z.strictObject({
  /** How many of the next requests to this endpoint fail (default 1). */
  count: z.number().int().min(1).max(1000).default(1),
  /** HTTP status (default: 500 without `error`, else 400; for the identity ops 500 only for InternalErrorException). */
  status: z.number().int().min(100).max(599).optional(),
  /** OAuth `error` for oauth2 endpoints, AWS `__type` for identity operations. */
  error: z.string().regex(/^[\w.#-]{1,100}$/).optional(),
  message: z.string().max(500).optional(),
  /** Delay before answering (or before passing the request through when nothing else is set). */
  delayMs: z.number().int().min(0).max(120_000).optional(),
  /** Destroy the socket instead of answering (a network failure). */
  reset: z.boolean().optional(),
  /** Serve the request, then destroy the socket instead of sending the answer (the work is done, its answer lost). */
  loseAnswer: z.boolean().optional(),
});

export type FaultInput = z.input<typeof FaultSchema>;
export type Fault = z.output<typeof FaultSchema>;

/** Whether the fault produces an error answer (as opposed to a delay only). */
export function faultAnswers(fault: Fault): boolean {
  return fault.reset === true || fault.status !== undefined || fault.error !== undefined || fault.message !== undefined;
}

/** Requests counted per name, and the faults queued for the next requests to each name. */
export class FaultBook<Name extends string> {
  private readonly countsByName = new Map<Name, number>();
  private readonly faults = new Map<Name, Fault[]>();

  count(name: Name): void {
    this.countsByName.set(name, (this.countsByName.get(name) ?? 0) + 1);
  }

  /** Counts of `names` (0 for names never seen), or of every name counted so far. */
  counts(names?: readonly Name[]): Record<string, number> {
    if (!names) return Object.fromEntries(this.countsByName);
    return Object.fromEntries(names.map((n) => [n, this.countsByName.get(n) ?? 0]));
  }

  resetCounts(): void {
    this.countsByName.clear();
  }

  failNext(name: Name, fault: FaultInput = {}): void {
    const parsed = FaultSchema.parse(fault);
    const list = this.faults.get(name) ?? [];
    for (let i = 0; i < parsed.count; i++) list.push(parsed);
    this.faults.set(name, list);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Takes the next pending fault for the name, if any. */
  take(name: Name): Fault | undefined {
    const list = this.faults.get(name);
    const next = list?.shift();
    if (list?.length === 0) this.faults.delete(name);
    return next;
  }
}

/** For `loseAnswer`: the request is served as usual, but the connection is dropped instead of the answer. */
export function dropAnswer(res: ServerResponse): void {
  res.end = ((): ServerResponse => {
    res.destroy();
    return res;
  }) as ServerResponse['end'];
}

/**
 * Applies a fault's delay and socket reset. Returns true when the request is finished (socket destroyed);
 * false when the caller should go on (write the fault's answer if `faultAnswers`, else serve normally).
 */
export async function applyFaultTiming(fault: Fault, destroy: () => void): Promise<boolean> {
  if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (!fault.reset) return false;
  destroy();
  return true;
}

// A consecutive-failures circuit breaker, kept synchronous so a healthy call pays two branches
// and no promise: closed until `failures` calls in a row fail, then open (calls refused at once)
// for `halfOpenAfterMs`, then half-open: one trial call, whose outcome closes or reopens it.

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What admit() let in: an ordinary call, or the half-open trial whose outcome decides. */
export type BreakerTicket = 'call' | 'trial';

export interface CircuitBreaker {
  readonly state: BreakerState;
  /** A ticket for the call, or undefined when the circuit refuses it. */
  admit(): BreakerTicket | undefined;
  /**
   * How the admitted call ended; every ticket must be settled once. `blame` false: the call
   * failed, but not for a reason that says the service is down (another instance still serves),
   * so it neither counts toward opening the circuit nor breaks a run of failures.
   */
  settle(ticket: BreakerTicket, succeeded: boolean, blame?: boolean): void;
}

export function circuitBreaker(failures: number, halfOpenAfterMs: number): CircuitBreaker {
  let state: BreakerState = 'closed';
  let consecutive = 0;
  let openedAt = 0;
  const open = () => {
    state = 'open';
    openedAt = Date.now();
    consecutive = 0;
  };
  return {
    get state() {
      return state;
    },
    admit() {
      if (state === 'closed') return 'call';
      if (state === 'open' && Date.now() - openedAt >= halfOpenAfterMs) {
        state = 'half-open';
        return 'trial';
      }
      return undefined;
    },
    settle(ticket, succeeded, blame = true) {
      if (ticket === 'trial') {
        if (succeeded) state = 'closed';
        else open();
        return;
      }
      // A call let in before the circuit opened says nothing about the service now.
      if (state !== 'closed') return;
      if (succeeded) consecutive = 0;
      else if (blame && ++consecutive >= failures) open();
    },
  };
}

// The time now, as reactive state: whatever reads `now` in an effect or template is re-run every tick.
// The timer runs only while something reads it.
import { createSubscriber } from 'svelte/reactivity';

export class Clock {
  #subscribe: () => void;

  constructor(tickMs = 1000) {
    this.#subscribe = createSubscriber((update) => {
      const timer = setInterval(update, tickMs);
      return () => clearInterval(timer);
    });
  }

  /** Milliseconds since the epoch, like Date.now(). */
  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

/** One shared clock for countdowns and "time left" (they all move on the same second). */
export const clock = new Clock(1000);

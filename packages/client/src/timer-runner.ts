import type { Clock } from './clock.js';
import type { TimerName } from './machine.js';

const TIMERS: readonly TimerName[] = ['main', 'ping', 'retry', 'check', 'claim', 'confirm'];

/** Real timers kept in step with the machine's due times; see {@link createTimerRunner}. */
export interface TimerRunner {
  /** Sets, moves or cancels real timers so that each due time in `due` (epoch ms) has exactly one. */
  sync(due: Partial<Record<TimerName, number>>): void;
  /** Cancels every timer. */
  close(): void;
}

/**
 * The runner of the machine's timers: they are not effects but due times in
 * its state (`MachineState.timers`), so a timer the machine moves or drops is
 * moved or cancelled here, and each that fires calls `fire(name)`.
 */
export function createTimerRunner(clock: Clock, fire: (name: TimerName) => void): TimerRunner {
  const running: Partial<Record<TimerName, [due: number, cancel: () => void]>> = {};
  return {
    sync(due) {
      for (const name of TIMERS) {
        const at = due[name];
        if (running[name]?.[0] === at) continue;
        running[name]?.[1]();
        delete running[name];
        if (at !== undefined) {
          const cancel = clock.setTimeout(() => {
            delete running[name];
            fire(name);
          }, at - clock.now());
          running[name] = [at, cancel];
        }
      }
    },
    close() {
      for (const [, cancel] of Object.values(running)) cancel();
    },
  };
}

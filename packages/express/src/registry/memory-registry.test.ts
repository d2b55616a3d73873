import { describeRegistryContract } from './registry.contract.js';
import { createMemoryRegistry } from './memory-registry.js';

describeRegistryContract('memory registry', async () => {
  // A fake clock: retention is checked against it, so TTL tests need no waiting.
  let at = Date.UTC(2026, 0, 1);
  const registry = createMemoryRegistry({ now: () => at });
  return {
    registry,
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
    cleanup: () => registry.close(),
  };
});

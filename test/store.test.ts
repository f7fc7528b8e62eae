import { describe } from 'vitest';
import { MemoryStore } from '../src/store/index.js';
import { storeContract } from './store-contract.js';

describe('memory store', () => {
  storeContract(async (start) => {
    let now = start;
    return {
      store: new MemoryStore({ clock: () => now }),
      advance: (ms) => {
        now += ms;
      },
    };
  });
});

/**
 * Seeded pseudo-random numbers for weight initialisation, shuffling and dropout masks, so a
 * run with the same seed repeats exactly on every backend.
 */
import { randomInt } from 'node:crypto';

export interface Random {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  nextFloat(): number;
  /** Standard normal sample (mean 0, standard deviation 1). */
  nextNormal(): number;
}

/** Independent random streams derived from one run seed. */
export const RandomStream = {
  initializers: 1,
  shuffle: 2,
  dropout: 3,
} as const;

/** Returns a mulberry32 generator: 32 bits of state, fast, and good enough for shuffling and sampling. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;

  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const nextFloat = (): number => nextUint32() / 4294967296;

  // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const nextNormal = (): number => {
    const u = 1 - nextFloat();
    const v = nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };

  return { nextUint32, nextFloat, nextNormal };
}

/**
 * Mixes the run seed with a stream number (splitmix32 finaliser), so that, for example,
 * changing the number of epochs never changes the initial weights.
 */
export function deriveSeed(seed: number, stream: number): number {
  let z = (seed + Math.imul(stream, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Draws a seed for runs whose options give none; reported to the host so the run can be repeated. */
export function drawSeed(): number {
  return randomInt(0, 2 ** 31 - 1);
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace(values: Int32Array, random: Random): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = random.nextUint32() % (i + 1);
    const swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
}

import { InvalidArgumentError } from "commander";

/** commander parser for an integer flag within [min, max]. */
export function intIn(min: number, max: number) {
  return (value: string): number => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return v;
  };
}

/** commander parser for a finite number within [min, max]. */
export function numberIn(min: number, max: number) {
  return (value: string): number => {
    const v = Number(value);
    if (!Number.isFinite(v) || v < min || v > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return v;
  };
}

/** commander parser for one of a fixed set of words. */
export function oneOf<T extends string>(...words: T[]) {
  return (value: string): T => {
    if (!(words as string[]).includes(value))
      throw new InvalidArgumentError(`expected one of: ${words.join(", ")}`);
    return value as T;
  };
}

/** commander parser for "kmin:kmax". */
export function kRange(value: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(value);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 2 || hi < lo)
    throw new InvalidArgumentError('expected "kmin:kmax" with 2 <= kmin <= kmax');
  return [lo, hi];
}

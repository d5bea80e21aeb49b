/**
 * Preloaded into a lesson under test (`bun --preload ./tests/lessons/fixed-clock.ts`):
 * `new Date()` and `Date.now()` return the moment in env FIXED_NOW (milliseconds
 * since 1970), so that a reply's time can be checked to the character.
 */
const fixed = Number(process.env.FIXED_NOW);
if (!Number.isFinite(fixed)) throw new Error("fixed-clock.ts needs FIXED_NOW=<milliseconds since 1970>");

const RealDate = Date;
class FixedDate extends RealDate {
  constructor(...args: ConstructorParameters<typeof Date> | []) {
    if (args.length === 0) super(fixed);
    else super(...(args as ConstructorParameters<typeof Date>));
  }
  static override now() {
    return fixed;
  }
}
globalThis.Date = FixedDate as DateConstructor;

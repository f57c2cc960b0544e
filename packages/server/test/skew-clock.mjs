// Loaded with `node --import` into a test node process: shifts its clocks by
// CUEBE_TEST_CLOCK_SKEW_MS, as if the machine's clock were that far off. Date.now and the
// monotonic wall clock (performance.timeOrigin + performance.now()) both move, and so does
// `new Date()` (which reads the system clock itself, not Date.now).
// With CUEBE_TEST_CLOCK_STEP_MS, each SIGUSR2 steps the wall clock (Date.now) by that much, as an
// operator or NTP stepping the system clock would; the monotonic clock, as on a real machine,
// does not step. The process prints "clock stepped" once it has.
const skew = Number(process.env.CUEBE_TEST_CLOCK_SKEW_MS ?? 0);
const step = Number(process.env.CUEBE_TEST_CLOCK_STEP_MS ?? 0);
const RealDate = Date;
const now = RealDate.now;
let shift = skew;
if (skew !== 0 || step !== 0) {
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now() + shift);
      else super(...args);
    }
    static now() {
      return now() + shift;
    }
    // Dates made by Node itself (fs.stat…) are still dates.
    static [Symbol.hasInstance](value) {
      return value instanceof RealDate;
    }
  }
  globalThis.Date = SkewedDate;
}
if (skew !== 0) {
  const origin = performance.timeOrigin;
  Object.defineProperty(performance, 'timeOrigin', { value: origin + skew, configurable: true });
}
if (step !== 0)
  process.on('SIGUSR2', () => {
    shift += step;
    console.log('clock stepped');
  });

// Loaded with `node --import` into a test node process: shifts its clocks by
// CUEBE_TEST_CLOCK_SKEW_MS, as if the machine's clock were that far off. Date.now and the
// monotonic wall clock (performance.timeOrigin + performance.now()) both move.
const skew = Number(process.env.CUEBE_TEST_CLOCK_SKEW_MS ?? 0);
if (skew !== 0) {
  const now = Date.now;
  Date.now = () => now() + skew;
  const origin = performance.timeOrigin;
  Object.defineProperty(performance, 'timeOrigin', { value: origin + skew, configurable: true });
}

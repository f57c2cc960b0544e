/**
 * Per-frame values for small leaf components only (STYLE §11): a requestAnimationFrame loop
 * that re-renders its component when the computed value changes (a clock's text changes once a
 * second, a countdown's once a second), never the page around it.
 */
import { useEffect, useRef, useState } from 'react';

export function useTicker<T>(compute: () => T, deps: readonly unknown[]): T {
  const [value, setValue] = useState(compute);
  const fn = useRef(compute);
  fn.current = compute;
  useEffect(() => {
    let frame = 0;
    let last = fn.current();
    setValue(last);
    const tick = () => {
      const next = fn.current();
      if (next !== last) {
        last = next;
        setValue(next);
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, deps);
  return value;
}

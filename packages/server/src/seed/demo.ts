import type { AppContext } from '../context';

/** Demo data on first start (no users yet): returns the crew link to print, or null. */
export async function seedDemoIfEmpty(_ctx: AppContext, _baseUrl: string): Promise<{ lines: string[] } | null> {
  return null;
}

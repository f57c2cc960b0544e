/**
 * The viewer's own choices for one script — sort, department filter, collapsed groups, time
 * display — kept on this device (collapsing a group is not part of the script, DESIGN §2).
 */
import { useCallback, useEffect, useState } from 'react';
import { z } from 'zod';

const Saved = z.object({
  sort: z.enum(['script', 'time']).catch('script'),
  filter: z.array(z.string()).catch([]),
  collapsed: z.array(z.string()).catch([]),
  timeMode: z.enum(['offset', 'clock']).catch('offset'),
});

function load(scriptId: string) {
  try {
    const raw = localStorage.getItem(`cuebe.view.${scriptId}`);
    const parsed = Saved.safeParse(raw ? JSON.parse(raw) : {});
    if (parsed.success) return parsed.data;
  } catch {
    // unreadable: start fresh
  }
  return { sort: 'script' as const, filter: [], collapsed: [], timeMode: 'offset' as const };
}

export function useViewerState(scriptId: string) {
  const [initial] = useState(() => load(scriptId));
  const [sort, setSort] = useState<'script' | 'time'>(initial.sort);
  const [filter, setFilter] = useState<ReadonlySet<string>>(() => new Set(initial.filter));
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set(initial.collapsed));
  const [timeMode, setTimeMode] = useState<'offset' | 'clock'>(initial.timeMode);

  useEffect(() => {
    try {
      localStorage.setItem(
        `cuebe.view.${scriptId}`,
        JSON.stringify({ sort, filter: [...filter], collapsed: [...collapsed], timeMode }),
      );
    } catch {
      // storage full or blocked: the choice holds for this visit
    }
  }, [scriptId, sort, filter, collapsed, timeMode]);

  const toggleCollapsed = useCallback(
    (id: string) =>
      setCollapsed((c) => {
        const n = new Set(c);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    [],
  );
  return { sort, setSort, filter, setFilter, collapsed, toggleCollapsed, timeMode, setTimeMode };
}

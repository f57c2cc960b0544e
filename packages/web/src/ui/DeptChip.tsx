import type { Department } from '@cuebe/protocol';

/** A department's initials on its colour, with text picked for contrast. */
export function DeptChip({ department, title }: { department: Department | undefined; title?: string }) {
  if (!department) return <span className="chip chip-none">—</span>;
  return (
    <span
      className="chip"
      style={{ background: department.colour, color: readableOn(department.colour) }}
      title={title ?? department.name}
    >
      {department.initials}
    </span>
  );
}

/** Black or white, whichever reads better on the colour (WCAG relative luminance). */
export function readableOn(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
  return lum > 0.179 ? '#000000' : '#ffffff';
}

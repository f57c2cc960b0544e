/**
 * A department's mark on paper: its colour in a pattern of its own (SVG, so it prints even when
 * the browser leaves backgrounds out), beside its initials in bold — readable in black and white.
 */
import type { Mark } from './bookRows';

export function DeptSwatch({ mark }: { mark: Mark }) {
  const c = mark.department.colour;
  const id = `pat-${mark.department.id}`;
  const fill = mark.pattern === 'solid' ? c : mark.pattern === 'outline' ? 'none' : `url(#${id})`;
  return (
    <span className="dept-mark">
      <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">
        <defs>
          <pattern id={id} width="4.5" height="4.5" patternUnits="userSpaceOnUse">
            {mark.pattern === 'diagonal' && (
              <path d="M-1,1 l2,-2 M0,4.5 l4.5,-4.5 M3.5,5.5 l2,-2" stroke={c} strokeWidth="1.6" />
            )}
            {mark.pattern === 'dots' && <circle cx="2.25" cy="2.25" r="1.3" fill={c} />}
            {mark.pattern === 'horizontal' && <path d="M0,2.25 h4.5" stroke={c} strokeWidth="1.8" />}
            {mark.pattern === 'vertical' && <path d="M2.25,0 v4.5" stroke={c} strokeWidth="1.8" />}
            {mark.pattern === 'cross' && <path d="M2.25,0 v4.5 M0,2.25 h4.5" stroke={c} strokeWidth="1.2" />}
          </pattern>
        </defs>
        <rect x="0.5" y="0.5" width="13" height="13" fill={fill} stroke="#000" strokeWidth="0.8" />
        {mark.pattern === 'outline' && (
          <rect x="3" y="3" width="8" height="8" fill="none" stroke={c} strokeWidth="2.2" />
        )}
      </svg>
      <b>{mark.department.initials}</b>
    </span>
  );
}

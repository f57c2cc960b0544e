import type { ReactNode } from 'react';
import { Link } from './Link';
import { PrefsMenu } from './PrefsMenu';

/** The app's header: brand, a breadcrumb slot, a right-hand slot and the display settings. */
export function TopBar({ home = '/', crumbs, right }: { home?: string; crumbs?: ReactNode; right?: ReactNode }) {
  return (
    <header className="topbar">
      <Link href={home} className="brand" aria-label="Cuebe home">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-word">Cuebe</span>
      </Link>
      {crumbs && (
        <nav className="crumbs" aria-label="Breadcrumb">
          {crumbs}
        </nav>
      )}
      <div className="topbar-right">
        {right}
        <PrefsMenu />
      </div>
    </header>
  );
}

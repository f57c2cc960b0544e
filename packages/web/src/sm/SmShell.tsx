/** The frame of every SM page: top bar with the user and log out. */
import type { ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { User } from '@cuebe/protocol';
import { auth } from '../api/sm';
import { forgetUser } from '../lib/lastUser';
import { navigate } from '../lib/router';
import { TopBar } from '../ui/TopBar';

export function SmShell({ user, crumbs, children }: { user: User; crumbs?: ReactNode; children: ReactNode }) {
  const qc = useQueryClient();
  const logout = async (everywhere: boolean) => {
    // Every device signed in as this account: the laptop calling the show too, so ask first.
    const question = `Log out every device signed in as ${user.email}? Scripts open on them close at once.`;
    if (everywhere && !window.confirm(question)) return;
    try {
      await (everywhere ? auth.logoutEverywhere() : auth.logout());
    } finally {
      forgetUser();
      qc.clear();
      navigate('/login', { replace: true });
    }
  };
  return (
    <>
      <TopBar
        crumbs={crumbs}
        right={
          <>
            <span className="user-name" title={user.email}>
              {user.displayName}
            </span>
            <button type="button" className="btn btn-ghost" onClick={() => void logout(false)}>
              Log out
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => void logout(true)}>
              Log out everywhere
            </button>
          </>
        }
      />
      {children}
    </>
  );
}

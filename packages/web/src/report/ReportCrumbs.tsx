/** Breadcrumbs of the performance pages: Shows › show › script › Performances › this run. */
import { useQuery } from '@tanstack/react-query';
import { scripts, shows } from '../api/sm';
import { Link } from '../ui/Link';

export function ReportCrumbs({ scriptId, here }: { scriptId: string; here: string }) {
  const script = useQuery({ queryKey: ['script', scriptId], queryFn: () => scripts.get(scriptId) });
  const showId = script.data?.script.showId;
  const show = useQuery({ queryKey: ['show', showId], queryFn: () => shows.get(showId!), enabled: !!showId });
  const isList = here === 'Performances';
  return (
    <>
      <Link href="/">Shows</Link>
      {showId && <Link href={`/shows/${showId}`}>{show.data?.show.name ?? 'Show'}</Link>}
      <Link href={`/scripts/${scriptId}`}>{script.data?.script.name ?? 'Script'}</Link>
      {!isList && <Link href={`/scripts/${scriptId}/performances`}>Performances</Link>}
      <span aria-current="page">{here}</span>
    </>
  );
}

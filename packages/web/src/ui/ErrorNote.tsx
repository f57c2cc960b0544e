/** A failed request, said plainly; role=alert so a screen reader hears it. */
export function ErrorNote({ error, className }: { error: unknown; className?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className={`error-note ${className ?? ''}`}>
      {message}
    </p>
  );
}

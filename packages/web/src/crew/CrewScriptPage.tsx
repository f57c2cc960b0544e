export function CrewScriptPage(_: { scriptId: string }) {
  return null;
}

/**
 * What a device is, for the SM's board (K3): "iPhone · Safari", "Android · Chrome". Read from the
 * User-Agent header at the upgrade into a fixed vocabulary, so nothing the client wrote is
 * echoed to anyone (the header is the client's to say, and only ever a hint).
 */
const SYSTEMS: [RegExp, string][] = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/Android/, 'Android'],
  [/CrOS/, 'Chromebook'],
  [/Macintosh|Mac OS X/, 'Mac'],
  [/Windows/, 'Windows'],
  [/Linux/, 'Linux'],
];

// Order matters: Edge and Opera say Chrome too, Chrome says Safari too.
const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|Chromium\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];

export function deviceLabel(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').slice(0, 512);
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  if (system && browser) return `${system} · ${browser}`;
  return system ?? browser ?? 'device';
}

/** A device id's short tag, letters and digits only: enough to tell a crew member's phones apart on the board. */
export function deviceTag(deviceId: string): string {
  return (
    deviceId
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 4)
      .toUpperCase() || '?'
  );
}

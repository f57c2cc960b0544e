/** Device labels for the SM's board (K3): a fixed vocabulary, nothing of the header echoed. */
import { describe, expect, it } from 'vitest';
import { deviceLabel, deviceTag } from './device-label';

describe('device labels', () => {
  it('K3 names the system and browser from the User-Agent, in its own words only', () => {
    expect(
      deviceLabel(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('iPhone · Safari');
    expect(
      deviceLabel('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/125.0 Mobile Safari/537.36'),
    ).toBe('Android · Chrome');
    expect(
      deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36 Edg/125.0'),
    ).toBe('Windows · Edge');
    expect(deviceLabel('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:126.0) Gecko/20100101 Firefox/126.0')).toBe(
      'Mac · Firefox',
    );
    expect(deviceLabel('<script>alert(1)</script>')).toBe('device');
    expect(deviceLabel(undefined)).toBe('device');
  });

  it('K3 tags a device by the first letters and digits of its id', () => {
    expect(deviceTag('ab12cd34-0000-4000-8000-000000000001')).toBe('AB12');
    expect(deviceTag('-<>!')).toBe('?');
  });
});

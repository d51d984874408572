import { z } from 'zod';

/** The Scouter wire dialects scouter-ts speaks: v0.13.0, and v0.25.0 (the newest release, same wire since v0.14). */
export type ScouterProtocol = 'v0.13' | 'v0.25';

/** The dialect `protocol: 'latest'` selects. */
export const LATEST_PROTOCOL: ScouterProtocol = 'v0.25';

/** `scouter_version` written into profiles of each dialect. */
export const PROTOCOL_SCOUTER_VERSION: Readonly<Record<ScouterProtocol, string>> = {
  'v0.13': '0.13.0',
  'v0.25': '0.25.0',
};

const NEWEST_MINOR = 25;

/**
 * The dialect of a Scouter release string (`"0.12.0"`, `"v0.25.0"`, `"0.19"`), or null when scouter-ts does not know
 * it: 0.13 and before (the 0.12.0 wheel is the v0.13.0 code) speak v0.13, 0.14 to 0.25 speak v0.25.
 */
export function protocolOfVersion(version: string): ScouterProtocol | null {
  const m = /^v?0\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  if (!m) return null;
  const minor = Number(m[1]);
  if (minor <= 13) return 'v0.13';
  return minor <= NEWEST_MINOR ? 'v0.25' : null;
}

/**
 * The `protocol` option: `'v0.13'`, `'v0.25'`, `'latest'` (= `'v0.25'`), `'auto'` (ask the server), or a Scouter
 * release such as `'0.25.0'`. Parsed to `'v0.13' | 'v0.25' | 'auto'`.
 */
export const protocolOptionSchema = z
  .string({ error: () => "must be 'v0.13', 'v0.25', 'latest', 'auto' or a Scouter version such as '0.25.0'" })
  .transform((value, ctx): ScouterProtocol | 'auto' => {
    if (value === 'auto') return 'auto';
    if (value === 'latest') return LATEST_PROTOCOL;
    if (value === 'v0.13' || value === 'v0.25') return value;
    const known = protocolOfVersion(value);
    if (known !== null) return known;
    ctx.addIssue({
      code: 'custom',
      message: `unknown Scouter version ${JSON.stringify(value)}: use 'v0.13' (Scouter <= 0.13), 'v0.25' (0.14 to 0.25), 'latest' or 'auto'`,
    });
    return z.NEVER;
  });

/** Input of the `protocol` option. */
export type ProtocolOption = 'v0.13' | 'v0.25' | 'latest' | 'auto' | (string & {});

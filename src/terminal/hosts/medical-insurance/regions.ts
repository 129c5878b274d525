/**
 * Region codes (行政区划代码, GB/T 2260: 2 digits province, 2 city, 2 district) as the centre looks up
 * policies and catalogues: the region itself, then its city, then its province, then "*".
 */

/** `510104` → `['510104', '510100', '510000', '*']` (duplicates dropped). */
export function regionChain(admdvs: string): string[] {
  if (!/^\d{6}$/.test(admdvs)) return ['*'];
  return [...new Set([admdvs, `${admdvs.slice(0, 4)}00`, `${admdvs.slice(0, 2)}0000`, '*'])];
}

/** The province part of a region code: cross-province (异地) when two codes differ in it. */
export function province(admdvs: string): string {
  return admdvs.slice(0, 2);
}

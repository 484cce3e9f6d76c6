// Network versions, the state-tree version each one uses, and chain IDs.

export enum NetworkVersion {
  V0 = 0,
  V1 = 1,
  V2 = 2,
  V3 = 3,
  V4 = 4,
  V5 = 5,
  V6 = 6,
  V7 = 7,
  V8 = 8,
  V9 = 9,
  V10 = 10,
  V11 = 11,
  V12 = 12,
  V13 = 13,
  V14 = 14,
  V15 = 15,
  V16 = 16,
  V17 = 17,
  V18 = 18,
  V19 = 19,
  V20 = 20,
  V21 = 21,
  V22 = 22,
  V23 = 23,
  V24 = 24,
  V25 = 25,
  V26 = 26,
  V27 = 27,
  V28 = 28,
  V29 = 29,
}

/** Network upgrade names, indexed by the version they introduced. */
const UPGRADE_NAMES: readonly string[] = [
  'Genesis',
  'Breeze',
  'Smoke',
  'Ignition',
  'Actors v2',
  'Tape',
  'Kumquat',
  'Calico',
  'Persian',
  'Orange',
  'Trust',
  'Norwegian',
  'Turbo',
  'HyperDrive',
  'Chocolate',
  'OhSnap',
  'Skyr',
  'Shark',
  'Hygge',
  'Lightning',
  'Thunder',
  'Watermelon',
  'Dragon',
  'Waffle',
  'TukTuk',
  'Teep',
  'Tock',
  'GoldenWeek',
  'FireHorse',
];

/** Highest network version this package knows about (may still be in development). */
export const LATEST_NETWORK_VERSION = NetworkVersion.V29;

/** The upgrade name of a network version ('Hygge' for 18), or undefined when unnamed. */
export function networkVersionName(nv: number): string | undefined {
  return Number.isInteger(nv) && nv >= 0 ? UPGRADE_NAMES[nv] : undefined;
}

/** 'nv18 (Hygge)' style label for messages. */
export function networkVersionLabel(nv: number): string {
  const name = networkVersionName(nv);
  return name === undefined ? `nv${nv}` : `nv${nv} (${name})`;
}

/** Version of the state tree layout (the first field of a state root). */
export enum StateTreeVersion {
  V0 = 0,
  V1 = 1,
  V2 = 2,
  V3 = 3,
  V4 = 4,
  /** Adds the delegated address to actor states (nv18, actors v10). */
  V5 = 5,
}

/** The state-tree version a network version uses. Throws for versions outside 0..29. */
export function stateTreeVersionFor(nv: number): StateTreeVersion {
  if (!Number.isInteger(nv) || nv < 0 || nv > LATEST_NETWORK_VERSION) {
    throw new RangeError(`unsupported network version ${nv}`);
  }
  if (nv <= 3) return StateTreeVersion.V0;
  if (nv <= 9) return StateTreeVersion.V1;
  if (nv <= 11) return StateTreeVersion.V2;
  if (nv === 12) return StateTreeVersion.V3;
  if (nv <= 17) return StateTreeVersion.V4;
  return StateTreeVersion.V5;
}

/** EIP-155 chain IDs of the Filecoin networks. */
export const ChainId = {
  Mainnet: 314n,
  Calibnet: 314159n,
} as const;

// The embedded builtin-actor bundle: the AssemblyScript actors in actors/, built into
// dist/actors/bundle.car by `npm run build:actors` (which `npm ci` runs through `prepare`). It is
// a bundle like the official ones: root [1, data], data [[name, code CID], ...], raw WASM blocks.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { loadBundleSync, type BundleInfo } from '../state/bundle.js';
import { Manifest } from '../state/manifest.js';

/** The command that builds the bundle. */
export const BUILD_ACTORS_COMMAND = 'npm run build:actors';

export class EmbeddedBundleError extends Error {
  override readonly name = 'EmbeddedBundleError';
}

export interface EmbeddedBundle {
  /** The bundle's root: the manifest block [1, data CID]. */
  readonly manifestCid: CID;
  /** The manifest; its dataCid is what the system actor's state names. */
  readonly manifest: Manifest;
  readonly info: BundleInfo;
}

/** The package root: this file is src/actors/embedded.ts, or dist/actors/embedded.js once built. */
function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Where the build puts the bundle CAR. */
export function embeddedBundlePath(): string {
  return path.join(packageRoot(), 'dist', 'actors', 'bundle.car');
}

/** Where the build puts the names and code CIDs of the bundle, as JSON. */
export function embeddedManifestJsonPath(): string {
  return path.join(packageRoot(), 'dist', 'actors', 'manifest.json');
}

/**
 * Loads the embedded bundle (every block checked against its CID) into `bs` and returns its
 * manifest. Throws EmbeddedBundleError, saying how to build it, when the CAR is missing.
 */
export function loadEmbeddedBundle(bs: Blockstore, carPath: string = embeddedBundlePath()): EmbeddedBundle {
  if (!existsSync(carPath)) {
    throw new EmbeddedBundleError(
      `the embedded actor bundle ${carPath} does not exist: run \`${BUILD_ACTORS_COMMAND}\` to build it (npm ci builds it when it installs the package)`,
    );
  }
  let infos: BundleInfo[];
  try {
    infos = loadBundleSync(carPath, bs);
  } catch (err) {
    throw new EmbeddedBundleError(
      `the embedded actor bundle ${carPath} is unusable (${err instanceof Error ? err.message : String(err)}): rebuild it with \`${BUILD_ACTORS_COMMAND} -- --force\``,
      { cause: err },
    );
  }
  const info = infos[0];
  if (infos.length !== 1 || info === undefined) throw new EmbeddedBundleError(`${carPath}: expected one bundle, found ${infos.length}`);
  return { manifestCid: info.manifestCid, manifest: Manifest.load(bs, info.manifestCid), info };
}

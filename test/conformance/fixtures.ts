// Locations of the external test data (conformance vectors, official bundles) and the
// vectors the conformance tests use as known answers.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultBundleDir } from '../../src/state/bundle.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corpusDir = resolve(repoRoot, '..', 'shared', 'test-vectors', 'corpus', 'extracted');
export const hyggeDir = join(corpusDir, '0002-hygge-01');

/** A hygge vector by its path under the corpus folder, or undefined when the corpus is absent. */
export function hyggeVector(rel: string): string | undefined {
  const p = join(hyggeDir, rel);
  return existsSync(p) ? p : undefined;
}

/** multisig Propose: one message from an f1 (secp256k1) sender, exit 0. */
export const MULTISIG_PROPOSE = 'fil_10_multisig/Propose/Ok/ext-0002-fil_10_multisig-Propose-Ok-1.json';
/** The vector ref-fvm's runner skips by path. */
export const DISPUTE_OK = 'fil_10_storageminer/DisputeWindowedPoSt/Ok/ext-0002-fil_10_storageminer-DisputeWindowedPoSt-Ok-1.json';

/** The v10 bundle (Lotus tarball) for the hygge corpus, when present. */
export function v10Bundle(): string | undefined {
  const p = join(defaultBundleDir(), 'v10.tar.zst');
  return existsSync(p) ? p : undefined;
}

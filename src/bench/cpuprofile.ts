// Summary of a V8 .cpuprofile (as written by `node --cpu-prof`): the functions with the most
// self time, so a profile can be read without DevTools.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileEntry {
  /** `name (file:line)`; samples of one function at different nodes are merged. */
  readonly frame: string;
  readonly selfMs: number;
  /** Share of all sampled time, 0–1. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly top: readonly ProfileEntry[];
}

function isProfile(v: unknown): v is CpuProfile {
  return typeof v === 'object' && v !== null && Array.isArray((v as CpuProfile).nodes);
}

function frameName(n: ProfileNode, root: string): string {
  const f = n.callFrame;
  const name = f.functionName || '(anonymous)';
  if (f.url === '') return name;
  let where = f.url.replace(/^file:\/\//, '');
  if (where.startsWith('/')) where = relative(root, where);
  return `${name} (${where}:${f.lineNumber + 1})`;
}

/**
 * Self time per function, largest first. Time comes from the sample deltas when present
 * (exact), else from hit counts spread over the profile's duration.
 */
export function summarizeCpuProfile(profile: unknown, top = 25, root = process.cwd()): ProfileSummary {
  if (!isProfile(profile)) throw new Error('not a V8 CPU profile (no "nodes" array)');
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // Each delta is the time before its sample; attribute it to the sample that follows.
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i]!;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i]!));
    }
  } else {
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const per = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const n of profile.nodes) if (n.hitCount) selfUs.set(n.id, n.hitCount * per);
  }
  const byFrame = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const key = frameName(node, root);
    byFrame.set(key, (byFrame.get(key) ?? 0) + us);
    totalUs += us;
  }
  const entries = [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
  return { totalMs: totalUs / 1000, top: entries };
}

/** A printable table of a summary. */
export function formatProfileSummary(s: ProfileSummary): string {
  const lines = [`total sampled ${s.totalMs.toFixed(0)} ms`, '   self ms   share  function'];
  for (const e of s.top) lines.push(`${e.selfMs.toFixed(1).padStart(10)}  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.frame}`);
  return lines.join('\n');
}

export function summarizeCpuProfileFile(file: string, top = 25, root = process.cwd()): ProfileSummary {
  return summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as unknown, top, root);
}

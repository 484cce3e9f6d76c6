// The proof structures actors pass by pointer to the crypto syscalls, read against their
// schema as the reference's typed structs are (fvm_shared's WindowPoStVerifyInfo,
// SealVerifyInfo, AggregateSealVerifyProofAndInfos, ReplicaUpdateInfo, PieceInfo). Each reader
// stops at the first item of the wrong kind, so a huge malformed argument costs nothing; the
// values handed on (to the kernel and the externs) are the plain CBOR value tree a generic
// decode would have produced.
import type { CID } from 'multiformats/cid';
import type { CborReader } from '../ipld/cbor.js';
import type { PieceInfo } from '../crypto/piece.js';
import { proofCode as proofCodeOf } from './args.js';

/** An integer item as a bigint. */
function big(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** A proof type code for pricing (see args.proofCode). */
function proofCode(v: number | bigint): number {
  return proofCodeOf(big(v));
}

/** WindowPoStVerifyInfo: randomness, [proof type, proof bytes] list, sector infos, prover. */
export interface WindowPoStArgs {
  readonly info: unknown[];
  /** The type of the first proof, undefined when there is none (it selects the price). */
  readonly firstProofType: number | undefined;
  readonly challengedSectors: number;
}

export function readWindowPoStVerifyInfo(r: CborReader): WindowPoStArgs {
  r.tuple(4, 'WindowPoStVerifyInfo');
  const randomness = r.bytesItem('randomness');
  const proofs = r.list('proofs', (i) => {
    r.tuple(2, `proofs[${i}]`);
    return [r.int64(`proofs[${i}].post_proof`), r.bytesItem(`proofs[${i}].proof_bytes`)];
  });
  const sectors = r.list('challenged_sectors', (i) => {
    r.tuple(3, `challenged_sectors[${i}]`);
    return [
      r.int64(`challenged_sectors[${i}].proof`),
      r.uint(`challenged_sectors[${i}].sector_number`),
      r.cid(`challenged_sectors[${i}].sealed_cid`),
    ];
  });
  const prover = r.uint('prover');
  const first = proofs[0];
  return {
    info: [randomness, proofs, sectors, prover],
    firstProofType: first === undefined ? undefined : proofCode(first[0] as number | bigint),
    challengedSectors: sectors.length,
  };
}

/** SealVerifyInfo: proof, [miner, number], deal ids, ticket, seed, proof bytes, CommR, CommD. */
export function readSealVerifyInfo(r: CborReader, what: string): unknown[] {
  r.tuple(8, what);
  const proof = r.int64(`${what}.registered_proof`);
  r.tuple(2, `${what}.sector_id`);
  const sectorId = [r.uint(`${what}.sector_id.miner`), r.uint(`${what}.sector_id.number`)];
  const dealIds = r.list(`${what}.deal_ids`, (i) => r.uint(`${what}.deal_ids[${i}]`));
  return [
    proof,
    sectorId,
    dealIds,
    r.bytesItem(`${what}.randomness`),
    r.bytesItem(`${what}.interactive_randomness`),
    r.bytesItem(`${what}.proof`),
    r.cid(`${what}.sealed_cid`),
    r.cid(`${what}.unsealed_cid`),
  ];
}

/** A CBOR list of SealVerifyInfo (batch_verify_seals). */
export function readSealVerifyInfos(r: CborReader): unknown[][] {
  return r.list('seal verify infos', (i) => readSealVerifyInfo(r, `SealVerifyInfo[${i}]`));
}

/** AggregateSealVerifyProofAndInfos: miner, seal proof, aggregate proof, proof bytes, infos. */
export interface AggregateSealArgs {
  readonly info: unknown[];
  readonly sealProof: number;
  readonly count: number;
}

export function readAggregateSealVerifyInfo(r: CborReader): AggregateSealArgs {
  r.tuple(5, 'AggregateSealVerifyProofAndInfos');
  const miner = r.uint('miner');
  const sealProof = r.int64('seal_proof');
  const aggregateProof = r.int64('aggregate_proof');
  const proof = r.bytesItem('proof');
  const infos = r.list('infos', (i) => {
    const at = `infos[${i}]`;
    r.tuple(5, at);
    return [
      r.uint(`${at}.sector_number`),
      r.bytesItem(`${at}.randomness`),
      r.bytesItem(`${at}.interactive_randomness`),
      r.cid(`${at}.sealed_cid`),
      r.cid(`${at}.unsealed_cid`),
    ];
  });
  return { info: [miner, sealProof, aggregateProof, proof, infos], sealProof: proofCode(sealProof), count: infos.length };
}

/** ReplicaUpdateInfo; its proof is a plain Vec<u8> in the reference: a CBOR list of u8, not bytes. */
export function readReplicaUpdateInfo(r: CborReader): unknown[] {
  r.tuple(5, 'ReplicaUpdateInfo');
  const proofType = r.int64('update_proof_type');
  const cids: CID[] = [r.cid('old_sealed_cid'), r.cid('new_sealed_cid'), r.cid('new_unsealed_cid')];
  const proof = r.list('proof', (i) => {
    const v = r.uint(`proof[${i}]`);
    if (typeof v !== 'number' || v > 0xff) r.fail(`proof[${i}]`, 'not a u8');
    return v;
  });
  return [proofType, ...cids, proof];
}

/** The pieces of compute_unsealed_sector_cid: a list of [padded size, piece CID]. */
export function readPieceInfos(r: CborReader): PieceInfo[] {
  return r.list('pieces', (i) => {
    r.tuple(2, `pieces[${i}]`);
    return { size: big(r.uint(`pieces[${i}].size`)), cid: r.cid(`pieces[${i}].cid`) };
  });
}

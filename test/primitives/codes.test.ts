import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChainId,
  ErrorNumber,
  ExitCode,
  FIRST_USER_EXIT_CODE,
  NetworkVersion,
  StateTreeVersion,
  describeErrorNumber,
  errorNumberName,
  exitCodeName,
  isSuccess,
  isSystemExitCode,
  networkVersionLabel,
  networkVersionName,
  stateTreeVersionFor,
} from '../../src/primitives/index.js';

test('exit codes carry the reference numbering', () => {
  const expected: [keyof typeof ExitCode, number][] = [
    ['OK', 0],
    ['SYS_SENDER_INVALID', 1],
    ['SYS_SENDER_STATE_INVALID', 2],
    ['SYS_ILLEGAL_INSTRUCTION', 4],
    ['SYS_INVALID_RECEIVER', 5],
    ['SYS_INSUFFICIENT_FUNDS', 6],
    ['SYS_OUT_OF_GAS', 7],
    ['SYS_ILLEGAL_EXIT_CODE', 9],
    ['SYS_ASSERTION_FAILED', 10],
    ['SYS_MISSING_RETURN', 11],
    ['USR_ILLEGAL_ARGUMENT', 16],
    ['USR_NOT_FOUND', 17],
    ['USR_FORBIDDEN', 18],
    ['USR_INSUFFICIENT_FUNDS', 19],
    ['USR_ILLEGAL_STATE', 20],
    ['USR_SERIALIZATION', 21],
    ['USR_UNHANDLED_MESSAGE', 22],
    ['USR_UNSPECIFIED', 23],
    ['USR_ASSERTION_FAILED', 24],
    ['USR_READ_ONLY', 25],
    ['USR_NOT_PAYABLE', 26],
  ];
  assert.equal(Object.keys(ExitCode).length, expected.length);
  for (const [name, code] of expected) {
    assert.equal(ExitCode[name], code, name);
    assert.equal(exitCodeName(code), name);
  }
  assert.equal(FIRST_USER_EXIT_CODE, 16);
  assert.equal(exitCodeName(3), 'SYS_RESERVED_3');
  assert.equal(exitCodeName(8), 'SYS_RESERVED_8');
  assert.equal(exitCodeName(33), 'EXIT_CODE_33');
  assert.ok(isSuccess(0) && !isSuccess(16));
  assert.ok(isSystemExitCode(15) && !isSystemExitCode(16));
});

test('syscall error numbers carry the reference numbering and descriptions', () => {
  const expected: [string, number, string][] = [
    ['IllegalArgument', 1, 'illegal argument'],
    ['IllegalOperation', 2, 'illegal operation'],
    ['LimitExceeded', 3, 'limit exceeded'],
    ['AssertionFailed', 4, 'filecoin assertion failed'],
    ['InsufficientFunds', 5, 'insufficient funds'],
    ['NotFound', 6, 'resource not found'],
    ['InvalidHandle', 7, 'invalid ipld block handle'],
    ['IllegalCid', 8, 'illegal cid specification'],
    ['IllegalCodec', 9, 'illegal ipld codec'],
    ['Serialization', 10, 'serialization error'],
    ['Forbidden', 11, 'operation forbidden'],
    ['BufferTooSmall', 12, 'buffer too small'],
    ['ReadOnly', 13, 'execution context is read-only'],
  ];
  for (const [name, n, text] of expected) {
    assert.equal(ErrorNumber[name as keyof typeof ErrorNumber], n);
    assert.equal(errorNumberName(n), name);
    assert.equal(describeErrorNumber(n), text);
  }
  assert.equal(errorNumberName(0), 'ErrorNumber(0)');
  assert.equal(errorNumberName(14), 'ErrorNumber(14)');
  assert.match(describeErrorNumber(99), /unknown/);
});

test('network versions, upgrade names and state-tree versions', () => {
  assert.equal(NetworkVersion.V29, 29);
  const names: [number, string][] = [
    [0, 'Genesis'],
    [16, 'Skyr'],
    [17, 'Shark'],
    [18, 'Hygge'],
    [19, 'Lightning'],
    [20, 'Thunder'],
    [21, 'Watermelon'],
    [22, 'Dragon'],
    [23, 'Waffle'],
    [24, 'TukTuk'],
    [25, 'Teep'],
    [26, 'Tock'],
    [27, 'GoldenWeek'],
    [28, 'FireHorse'],
  ];
  for (const [nv, name] of names) assert.equal(networkVersionName(nv), name);
  assert.equal(networkVersionName(29), undefined);
  assert.equal(networkVersionLabel(18), 'nv18 (Hygge)');
  assert.equal(networkVersionLabel(29), 'nv29');
  // Lotus's mapping (chain/state VersionForNetwork).
  const tree: [number, StateTreeVersion][] = [
    [0, StateTreeVersion.V0],
    [3, StateTreeVersion.V0],
    [4, StateTreeVersion.V1],
    [9, StateTreeVersion.V1],
    [10, StateTreeVersion.V2],
    [11, StateTreeVersion.V2],
    [12, StateTreeVersion.V3],
    [13, StateTreeVersion.V4],
    [17, StateTreeVersion.V4],
    [18, StateTreeVersion.V5],
    [28, StateTreeVersion.V5],
    [29, StateTreeVersion.V5],
  ];
  for (const [nv, v] of tree) assert.equal(stateTreeVersionFor(nv), v, `nv${nv}`);
  assert.throws(() => stateTreeVersionFor(30), /unsupported network version 30/);
  assert.throws(() => stateTreeVersionFor(-1), RangeError);
  assert.equal(ChainId.Mainnet, 314n);
  assert.equal(ChainId.Calibnet, 314159n);
});

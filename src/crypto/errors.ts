// The one error the crypto layer raises on purpose.

/**
 * An argument the reference rejects outright rather than answering "does not verify".
 * The kernel turns it into `ErrorNumber.IllegalArgument` for the calling actor; every other
 * exception escaping this layer is a host bug.
 */
export class CryptoArgumentError extends Error {
  override readonly name = 'CryptoArgumentError';
}

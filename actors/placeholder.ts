// The placeholder actor: stands at an f4 address that received funds before any actor was
// deployed there. Like the official one it runs no logic at all: every call succeeds with no
// return value, so it keeps whatever it is sent until init's Exec4 deploys over it.
import "../sdk/index";

export function invoke(params: u32): u32 {
  return 0;
}

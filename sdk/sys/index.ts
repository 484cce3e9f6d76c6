// Every raw FVM syscall import, one namespace per wasm import module.
import * as vm from "./vm";
import * as network from "./network";
import * as ipld from "./ipld";
import * as sself from "./self";
import * as actor from "./actor";
import * as crypto from "./crypto";
import * as event from "./event";
import * as rand from "./rand";
import * as gas from "./gas";
import * as send from "./send";
import * as debug from "./debug";
import * as v3 from "./v3";

export { vm, network, ipld, sself, actor, crypto, event, rand, gas, send, debug, v3 };

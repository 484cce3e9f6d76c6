// AssemblyScript transform for FVM actors (pass with --transform together with --exportStart
// __fvm_start): the FVM cannot run a start function (ref-fvm instantiates with no gas
// available), so module initialization is exported by asc under __fvm_start and this transform
// makes every exported function run it once before its own body, then drops that export.
import { Transform } from "assemblyscript/transform";
import binaryen from "assemblyscript/binaryen";

const START_EXPORT = "__fvm_start";
const STARTED = "~fvm/started";

export default class RunStartOnEntry extends Transform {
  afterCompile(module) {
    const startExport = module.getExport(START_EXPORT);
    if (!startExport) throw new Error(`tsfvm transform: build with --exportStart ${START_EXPORT}`);
    const start = binaryen.getExportInfo(startExport).value;
    module.removeExport(START_EXPORT);
    module.addGlobal(STARTED, binaryen.i32, true, module.i32.const(0));

    const entries = [];
    for (let i = 0; i < module.getNumExports(); i++) {
      const info = binaryen.getExportInfo(module.getExportByIndex(i));
      if (info.kind === binaryen.ExternalFunction) entries.push(info);
    }
    for (const { name, value: internal } of entries) {
      const fn = binaryen.getFunctionInfo(module.getFunction(internal));
      const args = binaryen.expandType(fn.params).map((t, i) => module.local.get(i, t));
      const init = module.if(
        module.i32.eqz(module.global.get(STARTED, binaryen.i32)),
        module.block(null, [module.global.set(STARTED, module.i32.const(1)), module.call(start, [], binaryen.none)]),
      );
      const call = module.call(internal, args, fn.results);
      const body = module.block(null, [init, fn.results === binaryen.none ? call : module.return(call)], fn.results);
      const wrapper = `~fvm/entry/${name}`;
      module.addFunction(wrapper, fn.params, fn.results, [], body);
      module.removeExport(name);
      module.addFunctionExport(wrapper, name);
    }
  }
}

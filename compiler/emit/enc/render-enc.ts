import type { KeyedMemo } from "../../memo/keyed-memo.js";
import type { MachineIR, SiteIR } from "../../resolve/site-ir.js";
import { yamlText, type OutputFile } from "../output-file.js";

/**
 * enc/<fqdn>.yaml for puppetserver's exec node terminus: the role class, the environment, and the
 * top-scope parameters hiera's hierarchy interpolates (`clusters/%{oci_cluster}`).
 */
export function renderEnc(ir: SiteIR, memo?: KeyedMemo<MachineIR, OutputFile>): OutputFile[] {
  const { name, puppetEnvironment } = ir.site;
  return ir.machines.map((machine) => {
    const make = () => ({
      path: `enc/${machine.fqdn}.yaml`,
      content: yamlText({
        classes: [`oci::role::${machine.role}`],
        environment: puppetEnvironment,
        parameters: {
          oci_site: name,
          oci_cluster: machine.cluster,
          oci_role: machine.role,
          oci_setup_wave: machine.setupWave,
        },
      }),
    });
    return memo ? memo.get(machine, [name, puppetEnvironment], make) : make();
  });
}

import type { SiteIR } from "../../resolve/site-ir.js";
import { yamlText, type OutputFile } from "../output-file.js";

/**
 * enc/<fqdn>.yaml for puppetserver's exec node terminus: the role class, the environment, and the
 * top-scope parameters hiera's hierarchy interpolates (`clusters/%{oci_cluster}`).
 */
export function renderEnc(ir: SiteIR): OutputFile[] {
  return ir.machines.map((machine) => ({
    path: `enc/${machine.fqdn}.yaml`,
    content: yamlText({
      classes: [`oci::role::${machine.role}`],
      environment: ir.site.puppetEnvironment,
      parameters: {
        oci_site: ir.site.name,
        oci_cluster: machine.cluster,
        oci_role: machine.role,
        oci_setup_wave: machine.setupWave,
      },
    }),
  }));
}

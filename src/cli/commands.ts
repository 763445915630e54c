// The registry of executables: program name -> lazily loaded command.
// bin/NAME launchers call main(NAME). Add a line here for each new program.

import type { Command } from "./io.js";

type Loader = () => Promise<Command>;

export const commands: Record<string, Loader> = {
  tandem: async () => (await import("./tandem.js")).tandemCommand,
  // -L/-sL read the live CIB (src/status/crm-simulate-live.ts), everything else is crm_simulate's.
  crm_simulate: async () => (await import("../status/crm-simulate-live.js")).crmSimulateLiveCommand,
  crm_verify: async () => (await import("./crm_verify.js")).crmVerifyCommand,
  "corosync-cmapctl": async () => (await import("./corosync-cmapctl.js")).cmapctlCommand,
  "corosync-quorumtool": async () => (await import("./corosync-quorumtool.js")).quorumtoolCommand,
  "corosync-cfgtool": async () => (await import("./corosync-cfgtool.js")).cfgtoolCommand,
  "corosync-keygen": async () => (await import("./corosync-keygen.js")).keygenCommand,
  pcs: async () => (await import("./pcs.js")).pcsCommand,
  pcsd: async () => (await import("./pcsd.js")).pcsdCommand,
  tandemd: async () => (await import("./tandemd.js")).tandemdCommand,
  cibadmin: async () => (await import("./cibadmin.js")).cibadminCommand,
  crm_attribute: async () => (await import("./crm_attribute.js")).crmAttributeCommand,
  crm_failcount: async () => (await import("./crm_failcount.js")).crmFailcountCommand,
  crm_mon: async () => (await import("./crm_mon.js")).crmMonCommand,
  crm_resource: async () => (await import("./crm_resource.js")).crmResourceCommand,
  crm_node: async () => (await import("./crm_node.js")).crmNodeCommand,
  crmadmin: async () => (await import("./crmadmin.js")).crmadminCommand,
  stonith_admin: async () => (await import("./stonith_admin.js")).stonithAdminCommand,
};

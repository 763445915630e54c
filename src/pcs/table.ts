// The pcs command table: command words -> handler. src/cli/pcs.ts dispatches through it.
//
// HOW TO ADD A COMMAND (other helpers: a small str_replace edit here is all it takes):
//   1. write a handler `export const myCommand: PcsHandler = async (ctx) => { ...; return 0; }`
//      (types in src/pcs/types.ts; throw PcsError("message") for "Error: message" + exit 1;
//      use ctx.io for output, ctx.args for the words after the matched command words,
//      ctx.options for options, ctx.cib() for the CIB source);
//   2. add one line to `pcsCommands` below:
//        "cluster setup": { load: async () => (await import("./cluster/setup.js")).setupCommand, options: ["--name", "--force"] },
//      The key is the command words (1 to 3). The longest key matching the start of the
//      positional words wins, so "cluster setup" beats "cluster". `options` lists the
//      options the command accepts ("-f", "--force", ...); others are refused the way pcs
//      refuses them. Option names that take a value must be in VALUE_OPTIONS (args.ts).
//   3. a key marked `exact: true` (in `exactOnly`) matches only when no word follows it
//      (used for defaults such as `pcs property` = `pcs property config`).

import type { PcsCommandSpec } from "./types.js";

const F = "-f";
const FORCE = "--force";

export const pcsCommands: Record<string, PcsCommandSpec> = {
  // property
  property: {
    load: async () => (await import("./property.js")).propertyConfig,
    options: [F, "--all", "--defaults"],
  },
  "property config": {
    load: async () => (await import("./property.js")).propertyConfig,
    options: [F, "--all", "--defaults"],
  },
  "property show": {
    load: async () => (await import("./property.js")).propertyConfig,
    options: [F, "--all", "--defaults"],
  },
  "property list": {
    load: async () => (await import("./property.js")).propertyConfig,
    options: [F, "--all", "--defaults"],
  },
  "property set": { load: async () => (await import("./property.js")).propertySet, options: [F, FORCE] },
  "property unset": { load: async () => (await import("./property.js")).propertyUnset, options: [F, FORCE] },
  "property defaults": { load: async () => (await import("./property.js")).propertyDefaults, options: [] },
  "property describe": { load: async () => (await import("./property.js")).propertyDescribe, options: [] },
  // cluster-wide commands through pcsd (src/pcs/cluster/)
  "host auth": { load: async () => (await import("./cluster/auth.js")).hostAuth, options: ["-u", "-p"] },
  "host deauth": { load: async () => (await import("./cluster/auth.js")).hostDeauth, options: [] },
  "cluster auth": {
    load: async () => (await import("./cluster/auth.js")).clusterAuth,
    options: ["-u", "-p", FORCE, "--local"],
  },
  "cluster setup": {
    load: async () => (await import("./cluster/setup.js")).clusterSetup,
    options: [
      FORCE,
      "--name",
      "--start",
      "--enable",
      "--wait",
      "--corosync_conf",
      "--overwrite",
      "--no-keys-sync",
      "--no-cluster-uuid",
      "--transport",
      "--token",
      "--token_coefficient",
      "--join",
      "--consensus",
      "--miss_count_const",
      "--fail_recv_const",
      "--local",
    ],
  },
  "cluster start": {
    load: async () => (await import("./cluster/control.js")).clusterStart,
    options: ["--all", "--wait", FORCE],
  },
  "cluster stop": {
    load: async () => (await import("./cluster/control.js")).clusterStop,
    options: ["--all", FORCE],
  },
  "cluster enable": {
    load: async () => (await import("./cluster/control.js")).clusterEnable,
    options: ["--all"],
  },
  "cluster disable": {
    load: async () => (await import("./cluster/control.js")).clusterDisable,
    options: ["--all"],
  },
  "cluster destroy": {
    load: async () => (await import("./cluster/control.js")).clusterDestroy,
    options: ["--all", FORCE],
  },
  "cluster corosync": {
    load: async () => (await import("./cluster/control.js")).clusterCorosync,
    options: [],
  },
  "pcsd status": { load: async () => (await import("./cluster/control.js")).pcsdStatus, options: [] },
  "status pcsd": { load: async () => (await import("./cluster/control.js")).pcsdStatus, options: [] },
};

/** Keys that match only when no further word follows (group defaults). */
export const exactOnly = new Set<string>(["property"]);

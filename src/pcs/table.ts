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

const P = async () => import("./property.js");
const R = async () => import("./resource.js");
const RM = async () => import("./resource-manage.js");
const C = async () => import("./constraint.js");
const S = async () => import("./stonith.js");
const CF = async () => import("./config.js");
const CL = async () => import("./cluster/auth.js");
const CS = async () => import("./cluster/setup.js");
const CC = async () => import("./cluster/control.js");

export const pcsCommands: Record<string, PcsCommandSpec> = {
  // property
  property: { load: async () => (await P()).propertyConfig, options: [F, "--all", "--defaults"] },
  "property config": { load: async () => (await P()).propertyConfig, options: [F, "--all", "--defaults"] },
  "property show": { load: async () => (await P()).propertyConfig, options: [F, "--all", "--defaults"] },
  "property list": { load: async () => (await P()).propertyConfig, options: [F, "--all", "--defaults"] },
  "property set": { load: async () => (await P()).propertySet, options: [F, FORCE, "--node"] },
  "property unset": { load: async () => (await P()).propertyUnset, options: [F, FORCE] },
  "property defaults": { load: async () => (await P()).propertyDefaults, options: [] },
  "property describe": { load: async () => (await P()).propertyDescribe, options: [] },

  // resource
  resource: {
    load: async () => (await import("./status.js")).statusResources,
    options: [F, "--full", "--hide-inactive"],
  },
  "resource status": {
    load: async () => (await import("./status.js")).statusResources,
    options: [F, "--full", "--hide-inactive"],
  },
  "resource show": {
    load: async () => (await import("./compat.js")).resourceShow,
    options: [F, "--full", "--hide-inactive"],
  },
  "resource config": { load: async () => (await R()).resourceConfig, options: [F] },
  "resource create": {
    load: async () => (await R()).resourceCreate,
    options: [
      F,
      FORCE,
      "--group",
      "--before",
      "--after",
      "--disabled",
      "--no-default-ops",
      "--clone",
      "--master",
      "--promoted",
      "--wait",
      "--agent-validation",
    ],
  },
  "resource delete": { load: async () => (await R()).resourceDelete, options: [F, FORCE] },
  "resource remove": { load: async () => (await R()).resourceDelete, options: [F, FORCE] },
  "resource update": { load: async () => (await R()).resourceUpdate, options: [F, FORCE, "--wait"] },
  "resource meta": { load: async () => (await R()).resourceMeta, options: [F, FORCE, "--wait"] },
  "resource enable": { load: async () => (await R()).resourceEnable, options: [F, "--wait"] },
  "resource disable": {
    load: async () => (await R()).resourceDisable,
    options: [F, "--wait", "--safe", "--simulate"],
  },
  "resource describe": { load: async () => (await R()).resourceDescribe, options: ["--full"] },
  "resource list": { load: async () => (await R()).resourceList, options: ["--nodesc"] },
  "resource standards": { load: async () => (await R()).resourceStandards, options: [] },
  "resource providers": { load: async () => (await R()).resourceProviders, options: [] },
  "resource agents": { load: async () => (await R()).resourceAgents, options: [] },
  "resource defaults": {
    load: async () => (await R()).resourceDefaults,
    options: [F, FORCE, "--all", "--full"],
  },
  "resource rsc defaults": {
    load: async () => (await R()).resourceDefaults,
    options: [F, FORCE, "--all", "--full"],
  },
  "resource op defaults": {
    load: async () => (await R()).resourceOpDefaults,
    options: [F, FORCE, "--all", "--full"],
  },
  "resource op add": { load: async () => (await R()).resourceOpAdd, options: [F, FORCE] },
  "resource op delete": { load: async () => (await R()).resourceOpDelete, options: [F] },
  "resource op remove": { load: async () => (await R()).resourceOpDelete, options: [F] },
  "resource group add": {
    load: async () => (await RM()).groupAdd,
    options: [F, "--before", "--after", "--wait"],
  },
  "resource group remove": { load: async () => (await RM()).groupRemove, options: [F, "--wait"] },
  "resource group delete": { load: async () => (await RM()).groupRemove, options: [F, "--wait"] },
  "resource ungroup": { load: async () => (await RM()).groupRemove, options: [F, "--wait"] },
  "resource group list": { load: async () => (await RM()).groupList, options: [F] },
  "resource clone": { load: async () => (await RM()).resourceClone, options: [F, FORCE, "--wait"] },
  "resource master": {
    load: async () => (await import("./compat.js")).resourceMaster,
    options: [F, FORCE, "--wait"],
  },
  "resource promotable": { load: async () => (await RM()).resourcePromotable, options: [F, FORCE, "--wait"] },
  "resource unclone": { load: async () => (await RM()).resourceUnclone, options: [F, "--wait"] },
  "resource move": {
    load: async () => (await import("./live-ops.js")).resourceMoveLive,
    options: [F, FORCE, "--promoted", "--master", "--wait", "--strict", "--autodelete"],
  },
  "resource move-with-constraint": {
    load: async () => (await RM()).resourceMoveWithConstraint,
    options: [F, FORCE, "--promoted", "--master", "--wait"],
  },
  "resource ban": {
    load: async () => (await RM()).resourceBan,
    options: [F, FORCE, "--promoted", "--master", "--wait"],
  },
  "resource clear": {
    load: async () => (await RM()).resourceClear,
    options: [F, "--promoted", "--master", "--expired", "--wait"],
  },
  "resource unmove": {
    load: async () => (await RM()).resourceClear,
    options: [F, "--promoted", "--master", "--expired", "--wait"],
  },
  "resource manage": {
    load: async () => (await import("./resource-extra.js")).resourceManage,
    options: [F, "--monitor"],
  },
  "resource unmanage": {
    load: async () => (await import("./resource-extra.js")).resourceUnmanage,
    options: [F, "--monitor"],
  },
  "resource utilization": {
    load: async () => (await import("./resource-extra.js")).resourceUtilization,
    options: [F],
  },
  "resource failcount": { load: async () => (await RM()).resourceFailcount, options: [F, "--full"] },
  "resource cleanup": {
    load: async () => (await import("./live-ops.js")).resourceCleanup("cleanup"),
    options: [F, "--strict", "--node"],
  },
  "resource refresh": {
    load: async () => (await import("./live-ops.js")).resourceCleanup("refresh"),
    options: [F, "--strict", "--node"],
  },
  "resource restart": {
    load: async () => (await import("./live-ops.js")).resourceRestart,
    options: [F, "--wait"],
  },
  "resource relocate": {
    load: async () => (await import("./relocate.js")).resourceRelocate,
    options: [F, "--wait"],
  },

  // acl (one handler; it dispatches on role/user/group/permission ...)
  acl: { load: async () => (await import("./acl.js")).aclCommand, options: [F] },

  // constraint
  constraint: { load: async () => (await C()).constraintConfig, options: [F, "--full", "--all"] },
  "constraint config": { load: async () => (await C()).constraintConfig, options: [F, "--full", "--all"] },
  "constraint show": { load: async () => (await C()).constraintConfig, options: [F, "--full", "--all"] },
  "constraint list": { load: async () => (await C()).constraintConfig, options: [F, "--full", "--all"] },
  "constraint location": {
    load: async () => (await C()).constraintLocation,
    options: [F, FORCE, "--full", "--all"],
  },
  "constraint location add": {
    load: async () => (await import("./compat.js")).constraintLocationAdd,
    options: [F, FORCE],
  },
  "constraint colocation": {
    load: async () => (await C()).constraintColocationConfig,
    options: [F, "--full", "--all"],
  },
  "constraint colocation config": {
    load: async () => (await C()).constraintColocationConfig,
    options: [F, "--full", "--all"],
  },
  "constraint colocation show": {
    load: async () => (await C()).constraintColocationConfig,
    options: [F, "--full", "--all"],
  },
  "constraint colocation set": {
    load: async () => (await import("./constraint-sets.js")).constraintColocationSet,
    options: [F, FORCE],
  },
  "constraint colocation delete": { load: async () => (await C()).constraintColocationDelete, options: [F] },
  "constraint colocation remove": { load: async () => (await C()).constraintColocationDelete, options: [F] },
  "constraint order set": {
    load: async () => (await import("./constraint-sets.js")).constraintOrderSet,
    options: [F, FORCE],
  },
  "constraint order delete": {
    load: async () => (await import("./constraint-sets.js")).constraintOrderRemove,
    options: [F],
  },
  "constraint order remove": {
    load: async () => (await import("./constraint-sets.js")).constraintOrderRemove,
    options: [F],
  },
  "constraint colocation add": { load: async () => (await C()).constraintColocationAdd, options: [F, FORCE] },
  "constraint order": {
    load: async () => (await C()).constraintOrder,
    options: [F, FORCE, "--full", "--all"],
  },
  "constraint delete": { load: async () => (await C()).constraintDelete, options: [F] },
  "constraint remove": { load: async () => (await C()).constraintDelete, options: [F] },
  "constraint rule add": {
    load: async () => (await import("./constraint-rules.js")).constraintRuleAdd,
    options: [F, FORCE],
  },
  "constraint rule delete": {
    load: async () => (await import("./constraint-rules.js")).constraintRuleRemove,
    options: [F],
  },
  "constraint rule remove": {
    load: async () => (await import("./constraint-rules.js")).constraintRuleRemove,
    options: [F],
  },
  "constraint ref": { load: async () => (await C()).constraintRef, options: [F] },

  // stonith
  stonith: { load: async () => (await import("./status.js")).statusStonith, options: [F, "--full"] },
  "stonith status": { load: async () => (await import("./status.js")).statusStonith, options: [F, "--full"] },
  "stonith config": { load: async () => (await S()).stonithConfig, options: [F] },
  "stonith show": { load: async () => (await import("./compat.js")).stonithShow, options: [F, "--full"] },
  "stonith level": {
    load: async () => (await import("./stonith-level.js")).stonithLevelConfig,
    options: [F],
  },
  "stonith level config": {
    load: async () => (await import("./stonith-level.js")).stonithLevelConfig,
    options: [F],
  },
  "stonith level add": {
    load: async () => (await import("./stonith-level.js")).stonithLevelAdd,
    options: [F, FORCE],
  },
  "stonith level delete": {
    load: async () => (await import("./stonith-level.js")).stonithLevelDelete,
    options: [F],
  },
  "stonith level remove": {
    load: async () => (await import("./stonith-level.js")).stonithLevelDelete,
    options: [F],
  },
  "stonith level clear": {
    load: async () => (await import("./stonith-level.js")).stonithLevelClear,
    options: [F],
  },
  "stonith level verify": {
    load: async () => (await import("./stonith-level.js")).stonithLevelVerify,
    options: [F],
  },
  "stonith create": {
    load: async () => (await S()).stonithCreate,
    options: [F, FORCE, "--group", "--before", "--after", "--disabled", "--wait", "--agent-validation"],
  },
  "stonith delete": { load: async () => (await S()).stonithDelete, options: [F, FORCE] },
  "stonith remove": { load: async () => (await S()).stonithDelete, options: [F, FORCE] },
  "stonith update": { load: async () => (await S()).stonithUpdate, options: [F, FORCE] },
  "stonith enable": { load: async () => (await S()).stonithEnable, options: [F, "--wait"] },
  "stonith disable": { load: async () => (await S()).stonithDisable, options: [F, "--wait"] },
  "stonith list": { load: async () => (await S()).stonithList, options: ["--nodesc"] },
  "stonith describe": { load: async () => (await S()).stonithDescribe, options: ["--full"] },
  "stonith fence": { load: async () => (await S()).stonithLive, options: [F, "--off"] },
  "stonith history": { load: async () => (await S()).stonithLive, options: [F] },

  // alerts
  alert: { load: async () => (await import("./alert.js")).alertConfig, options: [F] },
  "alert config": { load: async () => (await import("./alert.js")).alertConfig, options: [F] },
  "alert show": { load: async () => (await import("./alert.js")).alertConfig, options: [F] },
  "alert create": { load: async () => (await import("./alert.js")).alertCreate, options: [F] },
  "alert update": { load: async () => (await import("./alert.js")).alertUpdate, options: [F] },
  "alert delete": { load: async () => (await import("./alert.js")).alertDelete, options: [F] },
  "alert remove": { load: async () => (await import("./alert.js")).alertDelete, options: [F] },
  "alert recipient add": { load: async () => (await import("./alert.js")).recipientAdd, options: [F, FORCE] },
  "alert recipient update": {
    load: async () => (await import("./alert.js")).recipientUpdate,
    options: [F, FORCE],
  },
  "alert recipient delete": { load: async () => (await import("./alert.js")).recipientDelete, options: [F] },
  "alert recipient remove": { load: async () => (await import("./alert.js")).recipientDelete, options: [F] },

  // tags
  tag: { load: async () => (await import("./tag.js")).tagConfig, options: [F] },
  "tag config": { load: async () => (await import("./tag.js")).tagConfig, options: [F] },
  "tag list": { load: async () => (await import("./tag.js")).tagConfig, options: [F] },
  "tag create": { load: async () => (await import("./tag.js")).tagCreate, options: [F] },
  "tag update": {
    load: async () => (await import("./tag.js")).tagUpdate,
    options: [F, "--before", "--after"],
  },
  "tag delete": { load: async () => (await import("./tag.js")).tagDelete, options: [F] },
  "tag remove": { load: async () => (await import("./tag.js")).tagDelete, options: [F] },

  // whole configuration, CIB, nodes
  config: { load: async () => (await CF()).configShow, options: [F, "--corosync_conf"] },
  "config show": { load: async () => (await CF()).configShow, options: [F, "--corosync_conf"] },
  status: {
    load: async () => (await import("./status.js")).statusFull,
    options: [F, "--full", "--hide-inactive", "--request-timeout"],
  },
  "status status": {
    load: async () => (await import("./status.js")).statusFull,
    options: [F, "--full", "--hide-inactive", "--request-timeout"],
  },
  "status cluster": {
    load: async () => (await import("./status.js")).statusCluster,
    options: [F, "--request-timeout"],
  },
  "cluster status": {
    load: async () => (await import("./status.js")).statusCluster,
    options: [F, "--request-timeout"],
  },
  "status corosync": { load: async () => (await import("./quorum.js")).statusCorosync, options: [] },
  quorum: { load: async () => (await import("./quorum.js")).quorumConfig, options: ["--corosync_conf"] },
  "quorum config": {
    load: async () => (await import("./quorum.js")).quorumConfig,
    options: ["--corosync_conf"],
  },
  "quorum status": { load: async () => (await import("./quorum.js")).quorumStatus, options: [] },
  "quorum update": {
    load: async () => (await import("./cluster/quorum-update.js")).quorumUpdate,
    options: ["--corosync_conf", "--skip-offline", FORCE, "--request-timeout"],
  },
  "status nodes": { load: async () => (await import("./status.js")).statusNodes, options: [F] },
  "status resources": {
    load: async () => (await import("./status.js")).statusResources,
    options: [F, "--full", "--hide-inactive"],
  },
  "cluster cib": { load: async () => (await CF()).clusterCib, options: [F, "--config"] },
  "cluster cib-push": { load: async () => (await CF()).clusterCibPush, options: [F, "--config", "--wait"] },
  "cluster verify": { load: async () => (await CF()).clusterVerify, options: [F, "-V", "--full"] },
  "cluster standby": {
    load: async () => (await import("./node.js")).nodeStandby,
    options: [F, "--all", "--wait"],
  },
  "cluster unstandby": {
    load: async () => (await import("./node.js")).nodeUnstandby,
    options: [F, "--all", "--wait"],
  },
  "node standby": {
    load: async () => (await import("./node.js")).nodeStandby,
    options: [F, "--all", "--wait"],
  },
  "node unstandby": {
    load: async () => (await import("./node.js")).nodeUnstandby,
    options: [F, "--all", "--wait"],
  },
  "node maintenance": {
    load: async () => (await import("./node.js")).nodeMaintenance,
    options: [F, "--all", "--wait"],
  },
  "node attribute": {
    load: async () => (await import("./node.js")).nodeAttribute,
    options: [F, FORCE, "--name"],
  },
  "node utilization": {
    load: async () => (await import("./node.js")).nodeUtilization,
    options: [F, FORCE, "--name"],
  },
  "node unmaintenance": {
    load: async () => (await import("./node.js")).nodeUnmaintenance,
    options: [F, "--all", "--wait"],
  },

  // cluster-wide commands through pcsd (src/pcs/cluster/, owned by the pcsd helper)
  "host auth": { load: async () => (await CL()).hostAuth, options: ["-u", "-p"] },
  "host deauth": { load: async () => (await CL()).hostDeauth, options: [] },
  "cluster auth": { load: async () => (await CL()).clusterAuth, options: ["-u", "-p", FORCE] },
  "cluster setup": {
    load: async () => (await CS()).clusterSetup,
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
    ],
  },
  "cluster start": { load: async () => (await CC()).clusterStart, options: ["--all", "--wait", FORCE] },
  "cluster stop": { load: async () => (await CC()).clusterStop, options: ["--all", FORCE] },
  "cluster enable": { load: async () => (await CC()).clusterEnable, options: ["--all"] },
  "cluster disable": { load: async () => (await CC()).clusterDisable, options: ["--all"] },
  "cluster destroy": { load: async () => (await CC()).clusterDestroy, options: ["--all", FORCE] },
  "cluster corosync": { load: async () => (await CC()).clusterCorosync, options: [] },
  "cluster node add": {
    load: async () => (await import("./cluster/nodes.js")).clusterNodeAdd,
    options: ["--start", "--enable", "--force"],
  },
  "cluster node remove": {
    load: async () => (await import("./cluster/nodes.js")).clusterNodeRemove,
    options: ["--force"],
  },
  "cluster node delete": {
    load: async () => (await import("./cluster/nodes.js")).clusterNodeRemove,
    options: ["--force"],
  },
  "cluster kill": { load: async () => (await CC()).clusterKill, options: [] },
  "cluster sync": { load: async () => (await CC()).clusterSync, options: [] },
  "cluster pcsd-status": { load: async () => (await CC()).pcsdStatus, options: [] },
  "pcsd status": { load: async () => (await CC()).pcsdStatus, options: [] },
  "status pcsd": { load: async () => (await CC()).pcsdStatus, options: [] },
};

/** Keys that match only when no further word follows (group defaults). */
export const exactOnly = new Set<string>([
  "property",
  "resource",
  "constraint",
  "stonith",
  "config",
  "status",
  "stonith level",
  "constraint colocation",
  "alert",
  "tag",
  "quorum",
]);

// Public API of the executor: the daemon creates one Executor per node and
// drives it with ExecRequests; results come back through onResult(). pcs and
// the lab use the meta-data and listing functions directly.

export { agentName, CRM_FEATURE_SET, exitReasonOf, fenceStdin } from "./classes.js";
export { opDigest } from "./digest.js";
export {
  Executor,
  type ExecutorOptions,
  type FenceRequest,
  type FenceResult,
  validateRequest,
} from "./executor.js";
export {
  getAgentMetadata,
  listAgents,
  listProviders,
  listStandards,
  type ListingOptions,
  type MetadataOptions,
  parseAgentMetadata,
  parseAgentName,
} from "./metadata.js";
export {
  defaultAgentPaths,
  systemdRunning,
  TANDEM_AGENTS_DIR,
  TANDEM_FENCE_DIR,
  TANDEM_LAB_OCF_ROOT,
  TANDEM_OCF_ROOT,
} from "./paths.js";
export * from "./types.js";
export { isFailure, type LrmOpOptions, lrmOpId, lrmRscOpAttrs } from "./lrm.js";

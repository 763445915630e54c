// Colocation constraints resolved to scheduling units (a primitive, a group, or
// a clone), including resource sets, and indexed both ways: by dependent (its
// primaries must be placed first) and by primary (whose placement should take
// the dependents' preferences into account).

import type { SchedResource, WorkingSet } from "./working-set.js";

export interface Colocation {
  id: string;
  dependent: SchedResource;
  primary: SchedResource;
  score: number;
  nodeAttribute: string;
  /** The named resources when they were group members (for explain text). */
  dependentName: string;
  primaryName: string;
  /** The resource named as primary (a group member, a clone child ...). */
  primaryMember?: SchedResource;
}

export interface ColocationIndex {
  all: Colocation[];
  byDependent: Map<SchedResource, Colocation[]>;
  byPrimary: Map<SchedResource, Colocation[]>;
  /** Assignment's ordered "what colocates with this" lists (assign.ts), built on first use. */
  withThisCache?: Map<SchedResource, unknown>;
}

/**
 * The unit a named resource is scheduled as. Group members are placed with
 * their group; clone children with their clone.
 */
export function unitOf(r: SchedResource): SchedResource {
  let u = r;
  while (u.parent) u = u.parent;
  return u;
}

function isRoleSpecific(role: string | undefined): boolean {
  return role !== undefined && !/^(started|unpromoted|slave)$/i.test(role);
}

export function indexColocations(ws: WorkingSet): ColocationIndex {
  const all: Colocation[] = [];
  const find = (id: string) => ws.byId.get(id);
  const add = (id: string, depName: string, primName: string, score: number, attr: string | undefined) => {
    const d = find(depName);
    const p = find(primName);
    if (!d || !p) {
      ws.warnings.push(`colocation ${id}: unknown resource ${!d ? depName : primName}`);
      return;
    }
    const du = unitOf(d);
    const pu = unitOf(p);
    if (du === pu) return; // inside one group: already placed together
    if (score === 0) return; // no influence either way
    all.push({
      id,
      dependent: du,
      primary: pu,
      score,
      nodeAttribute: attr ?? "#uname",
      dependentName: depName,
      primaryName: primName,
      primaryMember: p,
    });
  };
  for (const c of ws.cib.constraints.colocations) {
    if (c.sets.length === 0) {
      if (c.rsc === undefined || c.withRsc === undefined) continue;
      if (isRoleSpecific(c.rscRole) || isRoleSpecific(c.withRscRole)) continue;
      add(c.id, c.rsc, c.withRsc, c.score, c.nodeAttribute);
      continue;
    }
    // Within a set later members depend on earlier ones; between sets, the
    // first member of a set depends on the last member of the next set.
    for (const s of c.sets) {
      if (isRoleSpecific(s.role)) continue;
      const score = s.score ?? c.score;
      // A negative set keeps every member away from every other one.
      if (s.sequential && score >= 0) {
        // ordering="listed" reverses the chain: each member is placed with the next one.
        const listed = s.ordering?.toLowerCase() === "listed";
        for (let i = 1; i < s.resources.length; i++)
          if (listed) add(c.id, s.resources[i - 1], s.resources[i], score, c.nodeAttribute);
          else add(c.id, s.resources[i], s.resources[i - 1], score, c.nodeAttribute);
      } else if (score < 0) {
        for (let i = 0; i < s.resources.length; i++)
          for (let j = i + 1; j < s.resources.length; j++)
            add(c.id, s.resources[j], s.resources[i], score, c.nodeAttribute);
      }
    }
    for (let k = 0; k + 1 < c.sets.length; k++) {
      const s1 = c.sets[k];
      const s2 = c.sets[k + 1];
      if (isRoleSpecific(s1.role) || isRoleSpecific(s2.role)) continue;
      const deps = s1.sequential ? s1.resources.slice(0, 1) : s1.resources;
      const prims = s2.sequential ? s2.resources.slice(-1) : s2.resources;
      for (const d of deps) for (const p of prims) add(c.id, d, p, c.score, c.nodeAttribute);
    }
  }
  const byDependent = new Map<SchedResource, Colocation[]>();
  const byPrimary = new Map<SchedResource, Colocation[]>();
  for (const c of all) {
    const a = byDependent.get(c.dependent);
    if (a) a.push(c);
    else byDependent.set(c.dependent, [c]);
    const b = byPrimary.get(c.primary);
    if (b) b.push(c);
    else byPrimary.set(c.primary, [c]);
  }
  return { all, byDependent, byPrimary };
}

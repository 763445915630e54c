// Generated CIBs for the placement differential test (placement-differential.test.ts)
// and for experiments: N nodes, M primitives (about a fifth in groups of 2-4),
// locations and colocations with mixed scores (some naming group members, some
// by node attribute), priorities, stickiness, some resources already running,
// sometimes a standby node. Deterministic for a seed.

const D = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"';

let seed = 1;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));

/** A generated CIB: `nodes` nodes, `count` primitives, about a third of them in groups. */
export function placementCib(s: number, nodeCount = 6, count = 60): string {
  seed = s * 104729 + 7;
  const nodes = Array.from({ length: nodeCount }, (_, i) => `node${i + 1}`);
  const standby = rnd() < 0.4 ? int(0, nodeCount - 1) : -1;
  const racks = nodes.map(() => pick(["r1", "r2", "r3"]));
  // units: primitives and groups of 2-4 primitives
  const units: { id: string; members: string[]; priority: number; stick?: number }[] = [];
  let n = 1;
  let g = 1;
  while (n <= count) {
    const priority = rnd() < 0.15 ? pick([1, 5, 10]) : 0;
    const stick = rnd() < 0.2 ? pick([0, 100, 500, 1000000]) : undefined;
    if (rnd() < 0.2 && n + 1 <= count) {
      const size = Math.min(int(2, 4), count - n + 1);
      units.push({
        id: `grp${g++}`,
        members: Array.from({ length: size }, (_, k) => `rsc${n + k}`),
        priority,
        stick,
      });
      n += size;
    } else {
      units.push({ id: `rsc${n}`, members: [`rsc${n}`], priority, stick });
      n++;
    }
  }
  const allPrims = units.flatMap((u) => u.members);
  const any = () => {
    const u = pick(units);
    // sometimes a group member rather than the group
    return u.members.length > 1 && rnd() < 0.2 ? pick(u.members) : u.id;
  };
  const cons: string[] = [];
  for (let i = 1; i <= Math.round(count / 3); i++)
    cons.push(
      `<rsc_location id="loc${i}" rsc="${any()}" node="${pick(nodes)}" score="${pick(["INFINITY", "-INFINITY", "100", "-100", "50", "200", "10", "1000"])}"/>`,
    );
  for (let i = 1; i <= Math.round(count / 2.5); i++) {
    const a = any();
    const b = any();
    if (a === b || a.startsWith(`${b}`) || b.startsWith(`${a}`)) continue;
    const attr = rnd() < 0.1 ? ' node-attribute="rack"' : "";
    cons.push(
      `<rsc_colocation id="col${i}" rsc="${a}" with-rsc="${b}" score="${pick(["INFINITY", "INFINITY", "-INFINITY", "100", "500", "-100", "10", "1000", "5000"])}"${attr}/>`,
    );
  }
  const meta = (id: string, priority: number, stick?: number) => {
    const nv: string[] = [];
    if (priority) nv.push(`<nvpair id="${id}-p" name="priority" value="${priority}"/>`);
    if (stick !== undefined) nv.push(`<nvpair id="${id}-s" name="resource-stickiness" value="${stick}"/>`);
    return nv.length ? `<meta_attributes id="${id}-m">${nv.join("")}</meta_attributes>` : "";
  };
  const prim = (id: string, priority = 0, stick?: number) =>
    `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy">${meta(id, priority, stick)}<operations><op id="${id}-mon" name="monitor" interval="10s"/></operations></primitive>`;
  const res = units.map((u) =>
    u.members.length === 1
      ? prim(u.id, u.priority, u.stick)
      : `<group id="${u.id}">${meta(u.id, u.priority, u.stick)}${u.members.map((m) => prim(m)).join("")}</group>`,
  );
  // some resources already run somewhere (whole groups, in member order)
  const running = new Map<string, string>();
  if (rnd() < 0.6)
    for (const u of units)
      if (rnd() < 0.3) {
        const where = pick(nodes);
        for (const m of u.members) running.set(m, where);
      }
  let call = 10;
  const status = nodes
    .map((node, i) => {
      const lrm = allPrims
        .filter((p) => running.get(p) === node)
        .map(
          (p) =>
            `<lrm_resource id="${p}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="${p}_last_0" operation="start" interval="0" call-id="${call++}" rc-code="0" op-status="0" transition-key="1:1:0:x" last-rc-change="1000" ${D}/><lrm_rsc_op id="${p}_monitor_10000" operation="monitor" interval="10000" call-id="${call++}" rc-code="0" op-status="0" transition-key="1:1:0:x" last-rc-change="1000"/></lrm_resource>`,
        )
        .join("");
      return `<node_state id="${i + 1}" uname="${node}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="${i + 1}"><lrm_resources>${lrm}</lrm_resources></lrm></node_state>`;
    })
    .join("");
  const nodesX = nodes
    .map(
      (node, i) =>
        `<node id="${i + 1}" uname="${node}"><instance_attributes id="na${i}"><nvpair id="nr${i}" name="rack" value="${racks[i]}"/>${i === standby ? `<nvpair id="ns${i}" name="standby" value="on"/>` : ""}</instance_attributes></node>`,
    )
    .join("");
  const stickDefault = rnd() < 0.5 ? "0" : "50";
  return `<cib crm_feature_set="3.16.1" admin_epoch="0" epoch="1" num_updates="0" have-quorum="1" validate-with="pacemaker-3.7" execution-date="1700000000"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes>${nodesX}</nodes><resources>${res.join("")}</resources><constraints>${cons.join("")}</constraints><rsc_defaults><meta_attributes id="rd"><nvpair id="rd-s" name="resource-stickiness" value="${stickDefault}"/></meta_attributes></rsc_defaults></configuration><status>${status}</status></cib>`;
}

// Tests of the agents tandem ships, run through the executor with real
// processes: WebServer (start, GET, stop, port freed), IPaddr claims moving a
// loopback VIP between two "nodes", the lab's IPaddr2/apache stand-ins, and
// fence_tandem (env method and the lab control socket).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Executor } from "./executor.js";
import { getAgentMetadata } from "./metadata.js";
import { TANDEM_FENCE_DIR, TANDEM_LAB_OCF_ROOT, TANDEM_OCF_ROOT } from "./paths.js";
import { brief, killByEnv, ocfRequest, pidAlive, tempDir, waitFor } from "./testutil.js";

let tmp: { dir: string; cleanup: () => void };
const executors: Executor[] = [];
/** Loopback addresses and a port for this run (pid-derived to avoid clashes between runs). */
const base = 20 + (process.pid % 200);
const addr = (n: number): string => `127.77.${base}.${n}`;
const PORT = 20000 + (process.pid % 20000);

interface LabNode {
  name: string;
  ex: Executor;
  root: string;
  rsctmp: string;
}

function makeNode(name: string, n: number, ocfRoots = [TANDEM_OCF_ROOT]): LabNode {
  const root = join(tmp.dir, "nodes", name);
  const rsctmp = join(root, "run/resource-agents");
  mkdirSync(join(root, "var/www/html"), { recursive: true });
  writeFileSync(join(root, "var/www/html/index.html"), `<html><body>${name}</body></html>\n`);
  const ex = new Executor({
    paths: { ocfRoots, fenceDirs: [TANDEM_FENCE_DIR] },
    nodeName: name,
    env: {
      HA_RSCTMP: rsctmp,
      TANDEM_ROOT: root,
      TANDEM_NODE_NAME: name,
      TANDEM_NODE_ADDRESS: addr(n),
      TANDEM_HTTP_PORT: String(PORT),
      TANDEM_LAB_DIR: tmp.dir,
    },
  });
  executors.push(ex);
  return { name, ex, root, rsctmp };
}

async function get(
  host: string,
  path = "/",
): Promise<{ status: number; body: string; node: string | null } | string> {
  try {
    const r = await fetch(`http://${host}:${PORT}${path}`, { signal: AbortSignal.timeout(2000) });
    return { status: r.status, body: await r.text(), node: r.headers.get("x-tandem-node") };
  } catch (e) {
    return String((e as { cause?: { code?: string } }).cause?.code ?? e);
  }
}

function portFree(host: string): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once("error", () => res(false));
    s.listen({ host, port: PORT, exclusive: true }, () => s.close(() => res(true)));
  });
}

before(() => {
  tmp = tempDir("agents");
});

after(async () => {
  for (const ex of executors) await ex.shutdown();
  // Servers a failed test could not stop.
  killByEnv("TANDEM_WS_PIDFILE", tmp.dir);
  tmp.cleanup();
});

describe("ocf:tandem:WebServer", () => {
  it("starts, serves the docroot, is monitored by GET, stops and frees the port", async () => {
    const n = makeNode("web1", 11);
    const probe = await n.ex.run(ocfRequest("web", "WebServer", "monitor"));
    assert.equal(probe.rc, 7, brief(probe));
    const start = await n.ex.run(ocfRequest("web", "WebServer", "start"));
    assert.equal(start.rc, 0, brief(start));
    const page = await get(addr(11));
    assert.deepEqual(page, { status: 200, body: "<html><body>web1</body></html>\n", node: "web1" });
    const status = await get(addr(11), "/server-status");
    assert.ok(typeof status === "object" && /Server Status for web1/.test(status.body));
    assert.equal(typeof (await get(addr(11), "/../../../etc/passwd")), "object");
    const escaped = await get(addr(11), "/%2e%2e/%2e%2e/etc/passwd");
    assert.ok(typeof escaped === "object" && escaped.status !== 200, "no path escape");
    const mon = await n.ex.run(
      ocfRequest("web", "WebServer", "monitor", {
        statusurl: "http://localhost/server-status",
        testregex: "</html>",
      }),
    );
    assert.equal(mon.rc, 0, brief(mon));
    const missing = await n.ex.run(ocfRequest("web", "WebServer", "monitor", { statusurl: "/nothere.html" }));
    assert.equal(missing.rc, 1, "a page that is not there fails the monitor");
    assert.match(missing.exitReason, /404/);
    const pid = Number(readFileSync(join(n.rsctmp, "WebServer-web.pid"), "utf8"));
    assert.ok(pidAlive(pid));
    const stop = await n.ex.run(ocfRequest("web", "WebServer", "stop"));
    assert.equal(stop.rc, 0, brief(stop));
    assert.equal(pidAlive(pid), false, "server process gone");
    assert.equal(await portFree(addr(11)), true, "port freed");
    assert.equal((await n.ex.run(ocfRequest("web", "WebServer", "monitor"))).rc, 7);
    assert.equal(
      (await n.ex.run(ocfRequest("web", "WebServer", "stop"))).rc,
      0,
      "stop when stopped succeeds",
    );
  });

  it("in a node prefix without TANDEM_NODE_ADDRESS, listens on the node's ring0_addr from corosync.conf", async () => {
    const root = join(tmp.dir, "nodes", "cnode2");
    mkdirSync(join(root, "etc/tandem"), { recursive: true });
    mkdirSync(join(root, "var/www/html"), { recursive: true });
    writeFileSync(join(root, "var/www/html/index.html"), "cnode2\n");
    writeFileSync(
      join(root, "etc/tandem/corosync.conf"),
      `totem {\n    version: 2\n    cluster_name: lab\n}\nnodelist {\n    node {\n        ring0_addr: ${addr(51)}\n        name: cnode1\n        nodeid: 1\n    }\n    node {\n        ring0_addr: ${addr(52)}\n        name: cnode2\n        nodeid: 2\n    }\n}\n`,
    );
    const ex = new Executor({
      paths: { ocfRoots: [TANDEM_OCF_ROOT] },
      nodeName: "cnode2",
      env: {
        HA_RSCTMP: join(root, "run/resource-agents"),
        TANDEM_ROOT: root,
        TANDEM_HTTP_PORT: String(PORT),
      },
    });
    executors.push(ex);
    const start = await ex.run(ocfRequest("web", "WebServer", "start"));
    assert.equal(start.rc, 0, brief(start));
    assert.deepEqual(await get(addr(52)), { status: 200, body: "cnode2\n", node: "cnode2" });
    assert.equal(typeof (await get(addr(51))), "string", "not on the other node's address");
    assert.equal((await ex.run(ocfRequest("web", "WebServer", "monitor"))).rc, 0);
    assert.equal((await ex.run(ocfRequest("web", "WebServer", "stop"))).rc, 0);
  });

  it("a killed server is 'not running'; a missing docroot is 'not installed'", async () => {
    const n = makeNode("web2", 12);
    assert.equal((await n.ex.run(ocfRequest("w2", "WebServer", "start"))).rc, 0);
    const pid = Number(readFileSync(join(n.rsctmp, "WebServer-w2.pid"), "utf8"));
    // Frozen: it accepts connections but never answers; the monitor gives up after half its timeout.
    process.kill(pid, "SIGSTOP");
    const frozen = await n.ex.run(ocfRequest("w2", "WebServer", "monitor", {}, { timeoutMs: 2000 }));
    process.kill(pid, "SIGCONT");
    assert.equal(frozen.rc, 1, brief(frozen));
    assert.equal(frozen.status, 0, "answered before the op timeout");
    assert.match(frozen.exitReason, /no HTTP answer/);
    process.kill(pid, "SIGKILL");
    assert.ok(await waitFor(() => !pidAlive(pid), 2000));
    assert.equal((await n.ex.run(ocfRequest("w2", "WebServer", "monitor"))).rc, 7);
    const r = await n.ex.run(ocfRequest("w3", "WebServer", "start", { docroot: join(tmp.dir, "nope") }));
    assert.equal(r.rc, 5, brief(r));
    assert.match(r.exitReason, /does not exist/);
    assert.equal((await n.ex.run(ocfRequest("w2", "WebServer", "stop"))).rc, 0);
  });
});

describe("ocf:tandem:Stateful", () => {
  it("start, promote, demote, stop: monitor says 0 / 8 / 0 / 7", async () => {
    const n = makeNode("sf1", 41);
    const p = { state: join(n.rsctmp, "st.state") };
    const rc = async (action: string) => (await n.ex.run(ocfRequest("st:0", "Stateful", action, p))).rc;
    assert.deepEqual(
      [
        await rc("monitor"),
        await rc("promote"),
        await rc("start"),
        await rc("monitor"),
        await rc("promote"),
        await rc("monitor"),
      ],
      [7, 1, 0, 0, 0, 8],
    );
    writeFileSync(`${p.state}.fail`, "monitor=9\n");
    assert.equal(await rc("monitor"), 9, "failed while promoted");
    writeFileSync(`${p.state}.fail`, "");
    assert.deepEqual(
      [await rc("demote"), await rc("monitor"), await rc("stop"), await rc("monitor")],
      [0, 0, 0, 7],
    );
  });
});

describe("ocf:tandem:IPaddr claims and the virtual IP", () => {
  it("moves a loopback VIP between two nodes; only the claiming node serves it", async () => {
    const n1 = makeNode("node1", 21);
    const n2 = makeNode("node2", 22);
    const vip = addr(100);
    const ipParams = { ip: vip, cidr_netmask: "32" };
    for (const n of [n1, n2]) assert.equal((await n.ex.run(ocfRequest("web", "WebServer", "start"))).rc, 0);
    assert.equal(typeof (await get(vip)), "string", "nobody serves the VIP before it is claimed");
    assert.equal((await n1.ex.run(ocfRequest("vip", "IPaddr", "monitor", ipParams))).rc, 7);
    assert.equal((await n1.ex.run(ocfRequest("vip", "IPaddr", "start", ipParams))).rc, 0);
    assert.equal((await n1.ex.run(ocfRequest("vip", "IPaddr", "monitor", ipParams))).rc, 0);
    assert.equal(
      (await n2.ex.run(ocfRequest("vip", "IPaddr", "monitor", ipParams))).rc,
      7,
      "the claim is per node",
    );
    assert.ok(await waitFor(() => existsSync(join(n1.rsctmp, "tandem-ip", vip)), 100));
    let page = await get(vip);
    for (let i = 0; i < 50 && typeof page === "string"; i++) page = await get(vip);
    assert.equal(typeof page === "object" && page.node, "node1");
    // Failover: node1 releases, node2 claims.
    const t0 = Date.now();
    assert.equal((await n1.ex.run(ocfRequest("vip", "IPaddr", "stop", ipParams))).rc, 0);
    assert.equal((await n2.ex.run(ocfRequest("vip", "IPaddr", "start", ipParams))).rc, 0);
    let moved = await get(vip);
    while ((typeof moved !== "object" || moved.node !== "node2") && Date.now() - t0 < 3000)
      moved = await get(vip);
    assert.equal(typeof moved === "object" && moved.node, "node2");
    const gap = Date.now() - t0;
    assert.ok(gap < 3000, `VIP moved in ${gap}ms`);
    // Both claim at once (split brain without fencing): still only one server answers.
    assert.equal((await n1.ex.run(ocfRequest("vip", "IPaddr", "start", ipParams))).rc, 0);
    await new Promise((r) => setTimeout(r, 300));
    const answers = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const p = await get(vip);
      answers.add(typeof p === "object" ? String(p.node) : p);
    }
    assert.deepEqual([...answers], ["node2"], "the holder keeps the VIP; the other waits");
    // When the holder lets go, the waiting node takes over by itself.
    const t1 = Date.now();
    assert.equal((await n2.ex.run(ocfRequest("vip", "IPaddr", "stop", ipParams))).rc, 0);
    let back = await get(vip);
    while ((typeof back !== "object" || back.node !== "node1") && Date.now() - t1 < 3000)
      back = await get(vip);
    assert.equal(typeof back === "object" && back.node, "node1");
    assert.equal((await n1.ex.run(ocfRequest("vip", "IPaddr", "stop", ipParams))).rc, 0);
    for (const n of [n1, n2]) assert.equal((await n.ex.run(ocfRequest("web", "WebServer", "stop"))).rc, 0);
  });

  it("validates its parameters", async () => {
    const n = makeNode("node3", 23);
    const bad = await n.ex.run(ocfRequest("v", "IPaddr", "start", { ip: "300.1.2.3" }));
    assert.equal(bad.rc, 6, brief(bad));
    assert.match(bad.exitReason, /not an IPv4 address/);
    assert.equal(
      (await n.ex.run(ocfRequest("v", "IPaddr", "start", { ip: "127.0.0.9", cidr_netmask: "40" }))).rc,
      6,
    );
    assert.equal((await n.ex.run(ocfRequest("v", "IPaddr", "start", {}))).rc, 6);
    assert.equal(
      (await n.ex.run(ocfRequest("v", "IPaddr", "stop", {}))).rc,
      0,
      "stop of an unusable config succeeds",
    );
    const probe = await n.ex.run(
      ocfRequest("v", "IPaddr", "monitor", { ip: "198.18.9.9", nic: "tandem-none0" }),
    );
    assert.equal(probe.rc, process.getuid?.() === 0 ? 7 : 7, brief(probe));
  });
});

describe("lab stand-ins for ocf:heartbeat:IPaddr2 and ocf:heartbeat:apache", () => {
  it("run the tutorial's resources without touching any interface", async () => {
    const n = makeNode("lab1", 31, [TANDEM_LAB_OCF_ROOT, TANDEM_OCF_ROOT]);
    mkdirSync(join(n.root, "etc/apache2"), { recursive: true });
    mkdirSync(join(n.root, "srv/www"), { recursive: true });
    writeFileSync(join(n.root, "srv/www/index.html"), "<html>lab1 from config</html>\n");
    writeFileSync(join(n.root, "etc/apache2/apache2.conf"), `Listen 80\nDocumentRoot "/srv/www"\n`);
    // (Only our address is checked: other suites may add interfaces meanwhile.)
    const hostHas = (ip: string) =>
      execFileSync("ip", ["-o", "addr"], { encoding: "utf8" }).includes(` ${ip}/`);
    assert.equal(hostHas("198.18.0.199"), false);
    // A non-loopback address: the stand-in must only claim it.
    const vipParams = { ip: "198.18.0.199", cidr_netmask: "24", nic: "eth0" };
    const heartbeat = (rsc: string, type: string, action: string, params: Record<string, string>) =>
      ocfRequest(rsc, type, action, params, {}, "heartbeat");
    const ipStart = await n.ex.run(heartbeat("virtual_ip", "IPaddr2", "start", vipParams));
    assert.equal(ipStart.rc, 0, brief(ipStart));
    assert.equal((await n.ex.run(heartbeat("virtual_ip", "IPaddr2", "monitor", vipParams))).rc, 0);
    assert.equal(hostHas("198.18.0.199"), false, "no interface got the address");
    assert.ok(existsSync(join(n.rsctmp, "tandem-ip/198.18.0.199")));
    assert.equal((await n.ex.run(heartbeat("virtual_ip", "IPaddr2", "stop", vipParams))).rc, 0);

    const webParams = {
      configfile: "/etc/apache2/apache2.conf",
      statusurl: "http://localhost/server-status",
    };
    assert.equal((await n.ex.run(heartbeat("webserver", "apache", "monitor", webParams))).rc, 7);
    const ws = await n.ex.run(heartbeat("webserver", "apache", "start", webParams));
    assert.equal(ws.rc, 0, brief(ws));
    const page = await get(addr(31));
    assert.deepEqual(page, { status: 200, body: "<html>lab1 from config</html>\n", node: "lab1" });
    assert.equal((await n.ex.run(heartbeat("webserver", "apache", "monitor", webParams))).rc, 0);
    assert.ok(existsSync(join(n.rsctmp, "apache-webserver.pid")));
    assert.equal((await n.ex.run(heartbeat("webserver", "apache", "stop", webParams))).rc, 0);
    assert.equal(await portFree(addr(31)), true);
  });

  for (const type of ["IPaddr2", "apache"]) {
    it(`${type}: meta-data describes the real agent's parameters the same way`, async (t) => {
      const agent = { class: "ocf" as const, provider: "heartbeat", type };
      const standIn = await getAgentMetadata(agent, { paths: { ocfRoots: [TANDEM_LAB_OCF_ROOT] } });
      if (!existsSync(`/usr/lib/ocf/resource.d/heartbeat/${type}`)) {
        t.skip("resource-agents is not installed (scripts/system-packages.txt)");
        return;
      }
      const real = await getAgentMetadata(agent, { paths: { ocfRoots: ["/usr/lib/ocf"] } });
      const shape = (p: {
        name: string;
        required: boolean;
        unique: boolean;
        type: string;
        default?: string;
      }) => ({
        name: p.name,
        required: p.required,
        unique: p.unique,
        type: p.type,
        default: p.default,
      });
      for (const rp of real.parameters) {
        const sp = standIn.parameters.find((p) => p.name === rp.name);
        assert.ok(sp, `stand-in lacks parameter ${rp.name}`);
        assert.deepEqual(shape(sp), shape(rp));
      }
      for (const name of ["start", "stop", "monitor"]) {
        const ra = real.actions.find((a) => a.name === name);
        const sa = standIn.actions.find((a) => a.name === name);
        assert.equal(sa?.timeoutMs, ra?.timeoutMs, `${name} timeout`);
      }
    });
  }
});

describe("fence_tandem", () => {
  it("env method: status, off kills the node's whole process tree, list", async () => {
    const labDir = join(tmp.dir, "lab-env");
    for (const n of ["node1", "node2"]) mkdirSync(join(labDir, "nodes", n), { recursive: true });
    const ex = new Executor({ paths: { fenceDirs: [TANDEM_FENCE_DIR] } });
    executors.push(ex);
    const params = { lab_dir: labDir, pcmk_host_list: "node1 node2" };
    const fence = (action: string, target?: string) =>
      ex.fence({ agent: "fence_tandem", action, params, target, timeoutMs: 10_000 });
    // node2's "daemons": a detached process tree carrying TANDEM_ROOT of node2.
    const tree = spawn("/bin/sh", ["-c", "sleep 60 & sleep 60 & setsid sleep 60 & wait"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TANDEM_ROOT: join(labDir, "nodes/node2") },
      detached: true,
      stdio: "ignore",
    });
    tree.unref();
    const leader = tree.pid as number;
    const status = async () => (await fence("status", "node2")).rc;
    assert.ok(await waitFor(() => readFileSync(`/proc/${leader}/stat`, "utf8").length > 0, 1000));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await status(), 0, "node2 is on");
    assert.equal((await fence("status", "node1")).rc, 7, "node1 has no processes: off");
    const list = await fence("list");
    assert.equal(list.rc, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split("\n"), ["node1,", "node2,"]);
    assert.equal((await fence("monitor")).rc, 0);
    const off = await fence("off", "node2");
    assert.equal(off.rc, 0, off.stderr);
    assert.equal(pidAlive(leader), false);
    assert.equal(await status(), 7, "node2 is off");
    const on = await fence("on", "node2");
    assert.equal(on.rc, 1, "on needs the lab");
    assert.match(on.exitReason, /control socket/);
    const bad = await fence("off", "../etc");
    assert.equal(bad.rc, 1);
    assert.match(bad.exitReason, /bad node name/);
    const meta = await getAgentMetadata(
      { class: "stonith", type: "fence_tandem" },
      { paths: { fenceDirs: [TANDEM_FENCE_DIR] } },
    );
    assert.ok(meta.parameters.some((p) => p.name === "lab_dir"));
    assert.ok(meta.actions.some((a) => a.name === "reboot"));
  });

  it("socket method: asks the lab's control socket", async () => {
    const labDir = join(tmp.dir, "lab-sock");
    mkdirSync(labDir, { recursive: true });
    const seen: unknown[] = [];
    const power: Record<string, string> = { node1: "on", node2: "on" };
    const server = net.createServer((c) => {
      c.once("data", (d) => {
        const req = JSON.parse(d.toString().trim()) as { action: string; node?: string };
        seen.push(req);
        let reply: unknown;
        if (req.action === "list") reply = { ok: true, nodes: Object.keys(power) };
        else if (!req.node || !(req.node in power)) reply = { ok: false, error: `no node ${req.node}` };
        else {
          if (req.action === "off") power[req.node] = "off";
          if (req.action === "on" || req.action === "reboot") power[req.node] = "on";
          reply = { ok: true, power: power[req.node] };
        }
        c.end(`${JSON.stringify(reply)}\n`);
      });
    });
    await new Promise<void>((r) => server.listen(join(labDir, "control.sock"), r));
    try {
      const ex = new Executor({ paths: { fenceDirs: [TANDEM_FENCE_DIR] } });
      executors.push(ex);
      const fence = (action: string, target?: string) =>
        ex.fence({ agent: "fence_tandem", action, params: { lab_dir: labDir }, target, timeoutMs: 10_000 });
      assert.equal((await fence("off", "node2")).rc, 0);
      assert.equal((await fence("status", "node2")).rc, 7);
      assert.equal((await fence("reboot", "node2")).rc, 0);
      assert.equal((await fence("status", "node2")).rc, 0);
      const nope = await fence("off", "node9");
      assert.equal(nope.rc, 1);
      assert.match(nope.exitReason, /no node node9/);
      assert.deepEqual(seen[0], { v: 1, op: "fence", action: "off", node: "node2" });
      assert.equal((await fence("list")).stdout, "node1,\nnode2,\n");
    } finally {
      server.close();
    }
  });
});

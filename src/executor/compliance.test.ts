// Compliance with real agents and tools: Pacemaker's own ocf:pacemaker:Dummy
// and resource-agents' ocf:heartbeat:IPaddr2 run unmodified through the
// executor (IPaddr2 on a veth inside a network namespace this test creates
// and deletes, 198.18.0.0/15 only), our IPaddr in real mode the same way, and
// resource-agents' ocf-tester over the agents tandem ships.
// The packages come from scripts/system-packages.txt; when one is missing the
// test fails naming it.

import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Executor } from "./executor.js";
import { TANDEM_FENCE_DIR, TANDEM_LAB_OCF_ROOT, TANDEM_OCF_ROOT } from "./paths.js";
import { brief, killByEnv, ocfRequest, tempDir, waitFor } from "./testutil.js";

const isRoot = process.getuid?.() === 0;
let tmp: { dir: string; cleanup: () => void };
let ex: Executor;

function requireFile(file: string, pkg: string): void {
  assert.ok(
    existsSync(file),
    `${file} is missing: install the Debian package '${pkg}' (scripts/system-packages.txt)`,
  );
}

before(() => {
  tmp = tempDir("compliance");
  ex = new Executor({
    paths: { ocfRoots: ["/usr/lib/ocf", TANDEM_OCF_ROOT] },
    env: { HA_RSCTMP: join(tmp.dir, "rsctmp") },
    nodeName: "node1",
  });
});

after(async () => {
  await ex.shutdown();
  killByEnv("TANDEM_WS_PIDFILE", tmp.dir);
  tmp.cleanup();
});

describe("ocf:pacemaker:Dummy (Pacemaker's own agent)", () => {
  it("start / monitor / stop through the executor", async () => {
    requireFile("/usr/lib/ocf/resource.d/pacemaker/Dummy", "pacemaker-resource-agents");
    const envfile = join(tmp.dir, "pcmk-dummy.env");
    const p = { state: join(tmp.dir, "pcmk-Dummy.state"), envfile };
    const req = (action: string, extra = {}) => ocfRequest("pd", "Dummy", action, p, extra, "pacemaker");
    assert.equal((await ex.run(req("monitor"))).rc, 7);
    const start = await ex.run(req("start"));
    assert.equal(start.rc, 0, brief(start));
    assert.equal((await ex.run(req("monitor", { intervalMs: 0 }))).rc, 0);
    assert.equal((await ex.run(req("validate-all"))).rc, 0);
    assert.match(
      readFileSync(envfile, "utf8"),
      /^OCF_RESOURCE_INSTANCE=pd$/m,
      "the agent saw our environment",
    );
    assert.equal((await ex.run(req("stop"))).rc, 0);
    assert.equal((await ex.run(req("monitor"))).rc, 7);
  });

  it("a timed-out op_sleep is killed and reported as a timeout", async () => {
    requireFile("/usr/lib/ocf/resource.d/pacemaker/Dummy", "pacemaker-resource-agents");
    const r = await ex.run(
      ocfRequest(
        "pd2",
        "Dummy",
        "start",
        { state: join(tmp.dir, "pd2.state"), op_sleep: "20" },
        { timeoutMs: 400 },
        "pacemaker",
      ),
    );
    assert.equal(r.status, 2, brief(r));
  });
});

describe("ocf:heartbeat:apache (resource-agents) with the distribution's apache2", () => {
  it("start / GET / monitor / stop through the executor", async () => {
    requireFile("/usr/lib/ocf/resource.d/heartbeat/apache", "resource-agents");
    requireFile("/usr/sbin/apache2", "apache2");
    const dir = join(tmp.dir, "apache");
    const port = 40000 + (process.pid % 20000);
    mkdirSync(join(dir, "www"), { recursive: true, mode: 0o755 });
    execFileSync("chmod", ["755", tmp.dir, dir]);
    writeFileSync(join(dir, "www/index.html"), "<html>real apache</html>\n");
    const mods = "/usr/lib/apache2/modules";
    const user = isRoot ? "User www-data\nGroup www-data\n" : "";
    writeFileSync(
      join(dir, "httpd.conf"),
      `ServerRoot /etc/apache2
LoadModule mpm_event_module ${mods}/mod_mpm_event.so
LoadModule authz_core_module ${mods}/mod_authz_core.so
LoadModule status_module ${mods}/mod_status.so
LoadModule dir_module ${mods}/mod_dir.so
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
DocumentRoot ${dir}/www
DirectoryIndex index.html
ServerName localhost
${user}<Location /server-status>
  SetHandler server-status
</Location>
`,
    );
    const p = { configfile: join(dir, "httpd.conf"), statusurl: `http://127.0.0.1:${port}/server-status` };
    const req = (action: string) =>
      ocfRequest("webserver", "apache", action, p, { timeoutMs: 30_000 }, "heartbeat");
    try {
      assert.equal((await ex.run(req("monitor"))).rc, 7);
      const start = await ex.run(req("start"));
      assert.equal(start.rc, 0, brief(start));
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await page.text(), "<html>real apache</html>\n");
      assert.equal((await ex.run(req("monitor"))).rc, 0);
      const stop = await ex.run(req("stop"));
      assert.equal(stop.rc, 0, brief(stop));
      assert.equal((await ex.run(req("monitor"))).rc, 7);
    } finally {
      const pidFile = join(dir, "httpd.pid");
      if (existsSync(pidFile)) spawnSync("kill", ["-9", readFileSync(pidFile, "utf8").trim()]);
    }
  });
});

describe("in a network namespace (root)", {
  skip: !isRoot && "needs root to create a network namespace",
}, () => {
  const ns = `tandem-ex-${process.pid}`;
  // The host's own interfaces must never get the test's addresses (only those are
  // checked: other suites may add interfaces of their own meanwhile).
  const hostHas = (ip: string): boolean =>
    execFileSync("ip", ["-o", "addr"], { encoding: "utf8" }).includes(` ${ip}/`);

  before(() => {
    assert.equal(hostHas("198.18.0.199") || hostHas("198.18.0.200"), false);
    execFileSync("ip", ["netns", "add", ns]);
    execFileSync("ip", ["-n", ns, "link", "add", "td0", "type", "veth", "peer", "name", "td1"]);
    execFileSync("ip", ["-n", ns, "addr", "add", "198.18.0.1/24", "dev", "td0"]);
    for (const dev of ["td0", "td1", "lo"]) execFileSync("ip", ["-n", ns, "link", "set", dev, "up"]);
  });

  after(() => {
    spawnSync("ip", ["netns", "del", ns]);
    assert.equal(
      hostHas("198.18.0.199") || hostHas("198.18.0.200"),
      false,
      "the host's interfaces are untouched",
    );
  });

  const vipOn = (ip: string): boolean =>
    execFileSync("ip", ["-n", ns, "-o", "addr", "show", "dev", "td0"], { encoding: "utf8" }).includes(
      ` ${ip}/`,
    );

  it("ocf:heartbeat:IPaddr2 adds, monitors and removes the address", async () => {
    requireFile("/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "resource-agents");
    const p = { ip: "198.18.0.199", cidr_netmask: "24", nic: "td0", network_namespace: ns };
    const req = (action: string) =>
      ocfRequest("virtual_ip", "IPaddr2", action, p, { timeoutMs: 20_000 }, "heartbeat");
    assert.equal((await ex.run(req("monitor"))).rc, 7);
    const start = await ex.run(req("start"));
    assert.equal(start.rc, 0, brief(start));
    assert.ok(vipOn("198.18.0.199"));
    assert.equal((await ex.run(req("monitor"))).rc, 0);
    const stop = await ex.run(req("stop"));
    assert.equal(stop.rc, 0, brief(stop));
    assert.equal(vipOn("198.18.0.199"), false);
    assert.equal((await ex.run(req("monitor"))).rc, 7);
  });

  it("ocf:tandem:IPaddr in real mode does the same", async () => {
    const p = { ip: "198.18.0.200", cidr_netmask: "24", network_namespace: ns };
    const req = (action: string) => ocfRequest("vip2", "IPaddr", action, p, { timeoutMs: 20_000 });
    assert.equal((await ex.run(req("monitor"))).rc, 7);
    const start = await ex.run(req("start"));
    assert.equal(start.rc, 0, brief(start));
    assert.ok(vipOn("198.18.0.200"), "address added on the interface found by route (td0)");
    assert.equal((await ex.run(req("monitor"))).rc, 0);
    assert.equal((await ex.run(req("start"))).rc, 0, "start when started is a success");
    assert.equal((await ex.run(req("stop"))).rc, 0);
    assert.equal(vipOn("198.18.0.200"), false);
    assert.equal((await ex.run(req("stop"))).rc, 0, "stop when stopped is a success");
    const gone = await ex.run(
      ocfRequest("vip3", "IPaddr", "start", { ...p, network_namespace: `${ns}-nope` }),
    );
    assert.equal(gone.rc, 6, brief(gone));
  });
});

describe("fence_tandem netns method (root)", {
  skip: !isRoot && "needs root to create a network namespace",
}, () => {
  it("kills every process in the node's network namespace", async () => {
    const ns = `tandem-fx-${process.pid}-node2`;
    execFileSync("ip", ["netns", "add", ns]);
    try {
      const child = spawn("ip", ["netns", "exec", ns, "sh", "-c", "sleep 60 & sleep 60 & wait"], {
        detached: true,
        stdio: "ignore",
      });
      child.unref();
      const fex = new Executor({ paths: { fenceDirs: [TANDEM_FENCE_DIR] } });
      const params = { netns: `tandem-fx-${process.pid}-{node}` };
      const fence = (action: string) =>
        fex.fence({ agent: "fence_tandem", action, params, target: "node2", timeoutMs: 10_000 });
      assert.ok(
        await waitFor(
          () =>
            execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).trim().split("\n").length >= 3,
          3000,
        ),
      );
      assert.equal((await fence("status")).rc, 0, "on while processes run in it");
      const off = await fence("off");
      assert.equal(off.rc, 0, off.stderr);
      assert.equal(execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).trim(), "");
      assert.equal((await fence("status")).rc, 7);
      await fex.shutdown();
    } finally {
      spawnSync("ip", ["netns", "del", ns]);
    }
  });
});

describe("ocf-tester (resource-agents) on tandem's agents", () => {
  const cases: {
    name: string;
    file: string;
    params: Record<string, string>;
    env?: Record<string, string>;
  }[] = [
    {
      name: "Dummy",
      file: join(TANDEM_OCF_ROOT, "resource.d/tandem/Dummy"),
      params: { state: "STATE/Dummy.state" },
    },
    {
      name: "Stateful",
      file: join(TANDEM_OCF_ROOT, "resource.d/tandem/Stateful"),
      params: { state: "STATE/Stateful.state" },
    },
    {
      name: "IPaddr",
      file: join(TANDEM_OCF_ROOT, "resource.d/tandem/IPaddr"),
      params: { ip: "127.0.5.5", claim_dir: "STATE/claims" },
    },
    {
      name: "WebServer",
      file: join(TANDEM_OCF_ROOT, "resource.d/tandem/WebServer"),
      params: {
        ip: "127.0.0.1",
        port: String(30000 + (process.pid % 20000)),
        docroot: "STATE/www",
        pidfile: "STATE/web.pid",
      },
    },
    {
      name: "lab IPaddr2",
      file: join(TANDEM_LAB_OCF_ROOT, "resource.d/heartbeat/IPaddr2"),
      params: { ip: "127.0.5.6", cidr_netmask: "32" },
      env: { HA_RSCTMP: "STATE/rsctmp" },
    },
    {
      name: "lab apache",
      file: join(TANDEM_LAB_OCF_ROOT, "resource.d/heartbeat/apache"),
      params: { statusurl: "http://localhost/server-status" },
      env: {
        HA_RSCTMP: "STATE/rsctmp",
        TANDEM_ROOT: "STATE/root",
        TANDEM_HTTP_PORT: String(30001 + (process.pid % 20000)),
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name} passes ocf-tester`, () => {
      requireFile("/usr/sbin/ocf-tester", "resource-agents");
      requireFile("/usr/bin/xmllint", "libxml2-utils");
      // ocf-tester also runs the agent as 'nobody': its state must be world-writable.
      const state = join(tmp.dir, `oct-${c.name.replace(/\W/g, "_")}`);
      for (const d of ["", "www", "root/var/www/html", "rsctmp"])
        mkdirSync(join(state, d), { recursive: true, mode: 0o777 });
      writeFileSync(join(state, "www/index.html"), "<html>t</html>\n");
      writeFileSync(join(state, "root/var/www/html/index.html"), "<html>t</html>\n");
      execFileSync("chmod", ["-R", "a+rwx", tmp.dir]);
      const fill = (v: string) => v.replace("STATE", state);
      const args = ["-n", `oct_${c.name.replace(/\W/g, "_")}`];
      for (const [k, v] of Object.entries(c.params)) args.push("-o", `${k}=${fill(v)}`);
      args.push(c.file);
      const env: Record<string, string> = { ...(process.env as Record<string, string>) };
      for (const [k, v] of Object.entries(c.env ?? {})) env[k] = fill(v);
      const r = spawnSync("/usr/sbin/ocf-tester", args, { encoding: "utf8", env, timeout: 60_000 });
      assert.equal(r.status, 0, `ocf-tester failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout + r.stderr, /passed all tests/);
    });
  }
});

// The real executables as separate processes: `tandem passwd`, `pcsd` in the foreground
// (runtime file, log file, SIGTERM stops its supervised daemon) and `pcs` talking to it.

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { pcsdPaths } from "./paths.js";
import { pidAlive } from "./supervisor.js";
import { STAND_IN_DAEMON } from "./testkit.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = (name: string) => join(repoRoot, "bin", name);

function run(name: string, args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(process.execPath, [bin(name), ...args], {
    env: { ...process.env, ...env },
    input,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function runtimePid(file: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

// Generous: the machine is shared and sometimes heavily loaded.
async function waitFor(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("pcsd, tandem passwd and pcs as processes", () => {
  let root: string;
  let pcsd: ChildProcess | undefined;
  let port = 0;
  const PW = "process-test-pw";
  before(() => {
    root = mkdtempSync(join(tmpdir(), "tandem-pcsd-proc-"));
  });
  after(() => {
    for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    // A failed test may leave a stand-in daemon behind: it is in its own process group.
    const stray = Number(
      existsSync(join(root, "standin.pid")) ? readFileSync(join(root, "standin.pid"), "utf8") : 0,
    );
    if (stray > 1 && pidAlive(stray)) process.kill(-stray, "SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  it("tandem passwd hacluster reads stdin and writes a 0600 scrypt hash", () => {
    const r = run("tandem", ["passwd", "hacluster", "--root", root], {}, `${PW}\n${PW}\n`);
    assert.deepEqual([r.code, r.out], [0, "passwd: password updated successfully\n"]);
    const f = pcsdPaths(root).passwd;
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.match(readFileSync(f, "utf8"), /^hacluster:scrypt\$/);
    assert.ok(!readFileSync(f, "utf8").includes(PW));
    const bad = run("tandem", ["passwd", "root", "--root", root], {}, "x\n");
    assert.deepEqual(
      [bad.code, bad.err],
      [1, "tandem: only the user 'hacluster' is used by pcsd: got 'root'\n"],
    );
    const mismatch = run("tandem", ["passwd", "hacluster", "--root", root], {}, "a\nb\n");
    assert.deepEqual([mismatch.code, mismatch.err], [1, "tandem: Sorry, passwords do not match.\n"]);
  });

  it("pcsd refuses bad options with one line", () => {
    const r = run("pcsd", ["--root", root, "--port", "http"], {});
    assert.deepEqual([r.code, r.err], [2, "pcsd: '--port' must be a port number 0-65535: got 'http'\n"]);
    const c = run("pcsd", ["--root", root, "--daemon-command", "tandemd"], {});
    assert.equal(c.code, 2);
    assert.match(c.err, /^pcsd: '--daemon-command' must be a JSON array of strings/);
  });

  it("runs in the foreground; pcs authenticates, sets up, starts and stops through it", async () => {
    const paths = pcsdPaths(root);
    pcsd = spawnPcsd(root, 0);
    await waitFor(() => existsSync(paths.pcsdRuntime));
    port = (JSON.parse(readFileSync(paths.pcsdRuntime, "utf8")) as { port: number }).port;
    const env = { TANDEM_ROOT: root };
    const auth = run(
      "pcs",
      ["host", "auth", "nodeP", `addr=127.0.0.4:${port}`, "-u", "hacluster", "-p", PW],
      env,
    );
    assert.deepEqual([auth.code, auth.out, auth.err], [0, "nodeP: Authorized\n", ""]);
    const setup = run("pcs", ["cluster", "setup", "solo", "nodeP", "addr=127.0.0.4"], env);
    assert.equal(setup.code, 0, setup.err);
    assert.match(setup.out, /Cluster has been successfully set up\.\n$/);
    const start = run("pcs", ["cluster", "start"], env);
    assert.deepEqual([start.code, start.out], [0, "Starting Cluster...\n"]);
    const pidFile = join(root, "standin.pid");
    await waitFor(() => existsSync(pidFile) && /^\d+$/.test(readFileSync(pidFile, "utf8")));
    const daemonPid = Number(readFileSync(pidFile, "utf8"));
    assert.ok(daemonPid > 1);
    const st = run("pcs", ["pcsd", "status"], env);
    assert.deepEqual([st.code, st.out], [0, "  nodeP: Online\n"]);
    const busy = run("pcsd", ["--root", root, "--bind", "127.0.0.4", "--port", String(port)], {});
    assert.deepEqual(
      [busy.code, busy.err],
      [1, `pcsd: cannot listen on 127.0.0.4 port ${port}: EADDRINUSE\n`],
    );
    // ... and left the running pcsd's local token alone.
    const stillLocal = run("pcs", ["cluster", "enable"], env);
    assert.deepEqual([stillLocal.code, stillLocal.err], [0, ""]);
    assert.ok(existsSync(paths.enabledFlag));

    // SIGTERM: pcsd stops its child daemon and removes its runtime file.
    const exited = new Promise<number | null>((r) => pcsd?.once("exit", (c) => r(c)));
    pcsd.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.throws(() => process.kill(daemonPid, 0));
    assert.equal(existsSync(paths.pcsdRuntime), false);
    const log = readFileSync(paths.pcsdLog, "utf8");
    assert.match(log, /pcsd listening/);
    assert.match(log, /notice: login \{"user":"hacluster"/);
    assert.match(log, /cluster daemon started/);
    assert.match(log, /received SIGTERM, stopping/);

    const down = run("pcs", ["cluster", "stop"], env);
    assert.equal(down.code, 1);
    assert.match(down.err, /^Error: pcsd is not running on this node/);
  });

  it("a pcsd killed -9 leaves its daemon running; the next pcsd supervises it again", async () => {
    const paths = pcsdPaths(root);
    const env = { TANDEM_ROOT: root };
    const pidFile = join(root, "standin.pid");
    rmSync(pidFile, { force: true });
    // The cluster is enabled (previous test): pcsd starts the daemon when it starts.
    pcsd = spawnPcsd(root, port);
    await waitFor(() => existsSync(pidFile) && /^\d+$/.test(readFileSync(pidFile, "utf8")));
    const daemonPid = Number(readFileSync(pidFile, "utf8"));
    const killed = new Promise((r) => pcsd?.once("exit", r));
    pcsd.kill("SIGKILL");
    await killed;
    assert.ok(pidAlive(daemonPid), "the daemon outlives a killed pcsd (own process group)");
    const noPcsd = run("pcs", ["cluster", "stop"], env);
    assert.equal(noPcsd.code, 1);
    assert.match(noPcsd.err, /^Error: pcsd is not running on this node/, "stale runtime file ignored");

    pcsd = spawnPcsd(root, port);
    // The killed pcsd left its runtime file: wait for the new one's.
    await waitFor(() => runtimePid(paths.pcsdRuntime) === pcsd?.pid);
    const st = run("pcs", ["pcsd", "status"], env);
    assert.deepEqual([st.code, st.out], [0, "  nodeP: Online\n"]);
    assert.equal(Number(readFileSync(pidFile, "utf8")), daemonPid, "not started a second time");
    assert.match(readFileSync(paths.pcsdLog, "utf8"), /found the cluster daemon still running/);
    const stop = run("pcs", ["cluster", "stop"], env);
    assert.equal(stop.code, 0, stop.err);
    assert.equal(pidAlive(daemonPid), false);
    const exited = new Promise((r) => pcsd?.once("exit", r));
    pcsd.kill("SIGTERM");
    await exited;
  });
});

/** Every pcsd this file started, so after() can kill them all even if a test failed midway. */
const spawned: ChildProcess[] = [];

function spawnPcsd(root: string, port: number): ChildProcess {
  const p = spawn(
    process.execPath,
    [
      bin("pcsd"),
      "--root",
      root,
      "--bind",
      "127.0.0.4",
      "--port",
      String(port),
      "--name",
      "nodeP",
      "--supervisor",
      "child",
    ],
    { env: { ...process.env, TANDEM_DAEMON_COMMAND: JSON.stringify(STAND_IN_DAEMON) }, stdio: "ignore" },
  );
  spawned.push(p);
  return p;
}

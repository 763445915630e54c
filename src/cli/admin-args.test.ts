// Argument errors of cibadmin, crm_attribute and crm_failcount: each is one usage error
// (exit 64) naming the problem, raised before any daemon is contacted. (Their working
// paths run against real daemons in src/daemon/solo.test.ts and cluster.test.ts.)

import assert from "node:assert/strict";
import test from "node:test";
import { TandemError } from "../core/errors.js";
import { cibadminCommand } from "./cibadmin.js";
import { crmAttributeCommand } from "./crm_attribute.js";
import { crmFailcountCommand } from "./crm_failcount.js";
import { type Command, captureIO } from "./io.js";

// A socket path that cannot exist: if a command got past its argument checks it would
// fail with a connection error instead of the usage error the test expects.
const env = { TANDEM_ROOT: "/nonexistent/tandem-admin-args" };

async function usage(cmd: Command, argv: string[], msg: RegExp): Promise<void> {
  const c = captureIO({ env });
  await assert.rejects(
    () => cmd(argv, c.io),
    (e: unknown) => e instanceof TandemError && e.exitCode === 64 && msg.test(e.message),
    `${argv.join(" ")} should be a usage error matching ${msg}`,
  );
}

test("cibadmin: bad arguments are one usage error each", async () => {
  await usage(cibadminCommand, ["-Q", "--bogus"], /unknown option '--bogus'/);
  await usage(cibadminCommand, ["-Q", "-o"], /option '-o' needs a value/);
  await usage(cibadminCommand, ["-Q", "-o", "nowhere"], /unknown scope 'nowhere'/);
  await usage(cibadminCommand, ["-Q", "-R"], /only one command at a time/);
  await usage(cibadminCommand, ["-o", "resources"], /no command given/);
  await usage(cibadminCommand, ["-Q", "stray"], /unexpected argument 'stray'/);
  await usage(cibadminCommand, ["-C", "-X", "<a/>", "-x", "f.xml"], /give the XML one way only/);
});

test("cibadmin: bundled and inline forms are accepted (then the missing daemon is reported)", async () => {
  for (const argv of [
    ["-Qo", "resources"],
    ["-Q", "-oresources"],
    ["--query", "--scope=resources"],
  ]) {
    const c = captureIO({ env });
    const code = await cibadminCommand(argv, c.io);
    assert.equal(code, 102, `${argv.join(" ")}: exit status`);
    assert.match(c.stderr, /Could not connect to the CIB/, `${argv.join(" ")} parsed`);
  }
});

test("crm_attribute: bad arguments are one usage error each", async () => {
  await usage(crmAttributeCommand, ["-n", "x", "-l", "sometimes"], /--lifetime must be reboot or forever/);
  await usage(crmAttributeCommand, ["-n", "x", "-t", "elsewhere"], /--type must be crm_config/);
  await usage(crmAttributeCommand, ["-v", "1"], /an attribute name is required/);
  await usage(crmAttributeCommand, ["-n", "x", "-v", "1", "-D"], /either -v VALUE or -D/);
  await usage(crmAttributeCommand, ["-n", "x", "--frobnicate"], /unknown option '--frobnicate'/);
  await usage(crmAttributeCommand, ["-n"], /option '-n' needs a value/);
});

test("crm_failcount: bad arguments are one usage error each", async () => {
  await usage(crmFailcountCommand, ["-N", "node1"], /a resource is required/);
  await usage(crmFailcountCommand, ["-r", "web", "-I", "often"], /--interval must be a duration/);
  await usage(crmFailcountCommand, ["-r", "web", "-Z"], /unknown option '-Z'/);
  await usage(crmFailcountCommand, ["-r", "web", "extra"], /unexpected argument 'extra'/);
});

test("help is printed, not an error", async () => {
  for (const cmd of [cibadminCommand, crmAttributeCommand, crmFailcountCommand]) {
    const c = captureIO({ env });
    assert.equal(await cmd(["--help"], c.io), 0);
    assert.match(c.stdout, /^Usage: /);
  }
});

// Usage texts printed for `pcs --help`, `pcs GROUP --help` and for wrong command lines,
// laid out as pcs 0.11 prints them (the main text is pcs's own, word for word; the
// groups' texts are tandem's own words, in src/pcs/usage-text.ts, or the short lists below).

import { USAGE_TEXT } from "./usage-text.js";

export const MAIN_USAGE = `
Usage: pcs [-f file] [-h] [commands]...
Control and configure pacemaker and corosync.

Options:
    -h, --help         Display usage and exit.
    -f file            Perform actions on file instead of active CIB.
                       Commands supporting the option use the initial state of
                       the specified file as their input and then overwrite the
                       file with the state reflecting the requested
                       operation(s).
                       A few commands only use the specified file in read-only
                       mode since their effect is not a CIB modification.
    --debug            Print all network traffic and external commands run.
    --version          Print pcs version information. List pcs capabilities if
                       --full is specified.
    --request-timeout  Timeout for each outgoing request to another node in
                       seconds. Default is 60s.
    --force            Override checks and errors, the exact behavior depends on
                       the command. WARNING: Using the --force option is
                       strongly discouraged unless you know what you are doing.

Commands:
    cluster     Configure cluster options and nodes.
    resource    Manage cluster resources.
    stonith     Manage fence devices.
    constraint  Manage resource constraints.
    property    Manage pacemaker properties.
    acl         Manage pacemaker access control lists.
    qdevice     Manage quorum device provider on the local host.
    quorum      Manage cluster quorum settings.
    booth       Manage booth (cluster ticket manager).
    status      View cluster status.
    config      View and manage cluster configuration.
    pcsd        Manage pcs daemon.
    host        Manage hosts known to pcs/pcsd.
    node        Manage cluster nodes.
    alert       Manage pacemaker alerts.
    client      Manage pcsd client configuration.
    dr          Manage disaster recovery configuration.
    tag         Manage pacemaker tags.
`;

/** The top-level command words pcs knows (a word outside this list prints MAIN_USAGE). */
export const GROUPS = [
  "cluster",
  "resource",
  "stonith",
  "constraint",
  "property",
  "acl",
  "qdevice",
  "quorum",
  "booth",
  "status",
  "config",
  "pcsd",
  "host",
  "node",
  "alert",
  "client",
  "dr",
  "tag",
];

/** Short usage of the smaller groups: a synopsis line, then its description lines indented. */
export const GROUP_USAGE: Record<string, string[]> = {
  node: [
    "standby | unstandby [--all | <node>...]",
    "maintenance | unmaintenance [--all | <node>...]",
    "attribute [[<node>] [--name <name>] | <node> <name>=<value> ...]",
    "utilization [[<node>] [--name <name>] | <node> <name>=<value> ...]",
  ],
  config: ["[show]", "    View full cluster configuration."],
  tag: [
    "[config | list [<tag id>...]]",
    "create <tag id> <id> [<id>]...",
    "update <tag id> [add <id> [<id>]... [--before <id> | --after <id>]] [remove <id> [<id>]...]",
    "delete | remove <tag id>...",
  ],
  alert: [
    "[config]",
    "create path=<path> [id=<alert-id>] [description=<description>] [options [<option>=<value>]...] [meta [<meta-option>=<value>]...]",
    "update <alert-id> [path=<path>] [description=<description>] [options [<option>=<value>]...] [meta [<meta-option>=<value>]...]",
    "delete | remove <alert-id> ...",
    "recipient add <alert-id> value=<recipient-value> [id=<recipient-id>] [description=<description>] [options ...] [meta ...]",
    "recipient update <recipient-id> [value=<recipient-value>] [description=<description>] [options ...] [meta ...]",
    "recipient delete | remove <recipient-id> ...",
  ],
  status: ["[status] [--full] | cluster | nodes | resources | corosync"],
  host: [
    "auth (<host name> [addr=<address>[:<port>]])... [-u <username>] [-p <password>]",
    "    Authenticate pcs/pcsd to pcsd on the hosts; asks for the user and password when",
    "    -u/-p are missing. Stores a token and pins the host's certificate.",
    "deauth [<host name>...]",
    "    Remove the hosts' tokens (all hosts when none are given).",
  ],
  quorum: [
    "[config] [--corosync_conf <path>]",
    "    Show the quorum options of corosync.conf.",
    "status",
    "    Show quorum runtime status (votes, members) of the local node.",
    "update [auto_tie_breaker=[0|1]] [last_man_standing=[0|1]] [last_man_standing_window=[<time in ms>]] [wait_for_all=[0|1]] [--skip-offline] [--corosync_conf <path>]",
    "    Change (or with an empty value remove) quorum options of corosync.conf on every node. The cluster must be stopped: tandemd reads the options when it starts. two_node is kept in step with the node count and auto_tie_breaker.",
  ],
  pcsd: ["status [<node>]...", "    Show whether pcsd on the nodes is online and authenticated."],
};

/** One entry of a usage text: synopsis lines (first + continuations) and description lines. */
interface Entry {
  synopsis: string[];
  description: string[];
}

/** The entries of a group: tandem's texts (usage-text.ts), else the short list above. */
function entries(group: string): Entry[] {
  const out: Entry[] = [];
  const text = USAGE_TEXT[group];
  if (text) {
    for (const l of text.lines) {
      if (l.startsWith("  ")) out[out.length - 1].description.push(l.slice(2));
      else if (l.startsWith("+")) out[out.length - 1].synopsis.push(l.slice(1));
      else out.push({ synopsis: [l], description: [] });
    }
    return out;
  }
  for (const l of GROUP_USAGE[group] ?? []) {
    if (l.startsWith("    ")) out[out.length - 1].description.push(l.trimStart());
    else out.push({ synopsis: [l], description: [] });
  }
  return out;
}

/** Words of `text` in lines of at most `first` (then `rest`) characters. */
function wrap(text: string, first: number, rest: number): string[] {
  const out: string[] = [];
  let line = "";
  // Words, keeping "<clone id>" and the like in one piece.
  const words: string[] = [];
  for (const w of text.split(/\s+/).filter((x) => x !== "")) {
    const prev = words[words.length - 1];
    const open = (t: string) => (t.match(/</g)?.length ?? 0) - (t.match(/>/g)?.length ?? 0);
    if (prev !== undefined && open(prev) > 0) words[words.length - 1] = `${prev} ${w}`;
    else words.push(w);
  }
  for (const w of words) {
    const width = out.length === 0 ? first : rest;
    if (line !== "" && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") out.push(line);
  return out;
}

/**
 * pcs's layout, 80 columns: synopsis at 4 spaces (continuations at 12), description at 8,
 * a blank line between entries. Texts are re-wrapped to fit.
 */
function formatEntry(e: Entry): string {
  const syn = wrap(e.synopsis.join(" "), 76, 68);
  const desc = e.description.length > 0 ? wrap(e.description.join(" "), 72, 72) : [];
  return [
    `    ${syn[0]}`,
    ...syn.slice(1).map((l) => `            ${l}`),
    ...desc.map((l) => `        ${l}`),
  ].join("\n");
}

/** `pcs GROUP --help` / `pcs GROUP help` / a wrong subcommand: the whole group's usage. */
export function groupUsage(group: string): string {
  const list = entries(group);
  const title = USAGE_TEXT[group]?.title ?? GROUP_TITLES[group] ?? "";
  if (list.length === 0) return `\nUsage: pcs ${group} [commands]...\n${title}\n\n`;
  return `\nUsage: pcs ${group} [commands]...\n${title}\n\nCommands:\n${list.map(formatEntry).join("\n\n")}\n\n`;
}

/**
 * The usage printed for a subcommand used wrongly (or `pcs GROUP SUB --help`), as pcs does:
 * "Usage: pcs GROUP SUB...", then every entry whose synopsis starts with those words
 * (falling back to fewer words, then to the whole group).
 */
export function subcommandUsage(group: string, sub: string): string {
  let words = sub.split(" ").filter((w) => w !== "");
  const list = entries(group);
  for (; words.length > 0; words = words.slice(0, -1)) {
    const key = words.join(" ");
    const hits = list.filter((e) => e.synopsis[0].startsWith(key) || e.synopsis[0].includes(`| ${key}`));
    if (hits.length > 0) return `\nUsage: pcs ${group} ${sub}...\n${hits.map(formatEntry).join("\n\n")}\n\n`;
  }
  return groupUsage(group);
}

/** Titles of the groups without a text in usage-text.ts. */
const GROUP_TITLES: Record<string, string> = {
  node: "Manage cluster nodes",
  config: "View and manage cluster configuration",
  tag: "Manage pacemaker tags",
  alert: "Set pacemaker alerts",
  status: "View current cluster and resource status",
  host: "Manage hosts known to pcs/pcsd",
  pcsd: "Manage pcs daemon",
  quorum: "Manage cluster quorum settings",
  acl: "Set pacemaker access control lists",
};

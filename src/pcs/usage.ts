// Usage texts printed for `pcs --help`, `pcs GROUP --help` and for wrong command lines,
// laid out as pcs 0.11 prints them (the main text is pcs's own, word for word).

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

/** Short usage per group: one line per subcommand (tandem's subset of pcs's). */
export const GROUP_USAGE: Record<string, string[]> = {
  property: [
    "[config [--all | --defaults | <property>...]]",
    "    List property settings (default: lists configured properties).",
    "set <property>=[<value>] ... [--force]",
    "    Set specific pacemaker properties (an empty value unsets it).",
    "unset <property> ...",
    "    Remove property from configuration.",
    "defaults | describe | list",
    "    Show default values / descriptions of cluster properties.",
  ],
  resource: [
    "[status [<resource id>]] [--full] [--hide-inactive]",
    "config [<resource id>]...",
    "list | standards | providers | agents [standard[:provider]]",
    "describe [<standard>:[<provider>:]]<type> [--full]",
    "create <resource id> [<standard>:[<provider>:]]<type> [resource options]",
    "    [op <operation action> <operation options> [<operation action> <operation options>]...]",
    "    [meta <meta options>...] [clone [<clone id>] [<clone options>] | promotable ...]",
    "    [--group <group id> [--before <resource id> | --after <resource id>]] [--disabled] [--no-default-ops]",
    "delete | remove <resource id>",
    "update <resource id> [resource options] [op [<action> <options>]...] [meta <meta options>...]",
    "op add | op delete | op defaults [config | set | update] | defaults [config | set | update]",
    "enable | disable <resource id>...",
    "move <resource id> [destination node] | move-with-constraint | ban | clear",
    "group add <group id> <resource id>... | group remove <group id> [<resource id>]... | group list",
    "clone <resource id> [<clone id>] [clone options] | promotable | unclone",
    "meta <resource id> <meta options>",
    "cleanup | refresh | restart | relocate  (live cluster only)",
    "failcount [show] <resource id> [<node>]",
  ],
  constraint: [
    "[config] [--full] [--all]",
    "location <resource> prefers <node>[=<score>] [<node>[=<score>]]...",
    "location <resource> avoids <node>[=<score>] [<node>[=<score>]]...",
    "location [config [resources | nodes]] [--full]",
    "order [<action>] <resource id> then [<action>] <resource id> [options]",
    "colocation add [<role>] <source resource id> [with] [<role>] <target resource id> [score] [options]",
    "delete | remove <constraint id>...",
    "ref <resource>...",
  ],
  stonith: [
    "[status [--full]] | config [<stonith id>]...",
    "list [filter] [--nodesc] | describe <stonith agent> [--full]",
    "create <stonith id> <stonith device type> [stonith device options] [op ...] [meta ...] [--disabled]",
    "delete | remove <stonith id> | update <stonith id> [options]",
    "enable | disable <stonith id>...",
  ],
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
  cluster: [
    "cib [filename] [scope=<scope> | --config]",
    "cib-push <filename> [--config]",
    "verify [-V] [filename]",
    "standby | unstandby [<node>] | --all   (pcs 0.9 syntax; see 'pcs node')",
    "auth [<host>...] [-u <username>] [-p <password>]   (pcs 0.9 syntax; see 'pcs host auth')",
    "setup <cluster name> (<node name> [addr=<node address>]...)... [transport knet|udp|udpu",
    "    [<transport options>]] [totem <totem options>] [quorum <quorum options>]",
    "    [crypto <crypto options>] [--enable] [--start] [--force] [--no-cluster-uuid]",
    "    [--corosync_conf <path> [--overwrite]]",
    "    Also the pcs 0.9 syntax: setup --name <cluster name> <node>... [--transport udpu]",
    "start | stop | enable | disable [--all | <node>...]",
    "destroy [--all]",
    "sync",
    "node add <node name> [addr=<node address>]... [--start] [--enable] [--force]",
    "node remove <node name>... [--force]",
    "kill",
    "corosync [<node>]",
    "pcsd-status [<node>]...",
  ],
  host: [
    "auth (<host name> [addr=<address>[:<port>]])... [-u <username>] [-p <password>]",
    "    Authenticate pcs/pcsd to pcsd on the hosts; asks for the user and password when",
    "    -u/-p are missing. Stores a token and pins the host's certificate.",
    "deauth [<host name>...]",
    "    Remove the hosts' tokens (all hosts when none are given).",
  ],
  pcsd: ["status [<node>]...", "    Show whether pcsd on the nodes is online and authenticated."],
};

export function groupUsage(group: string): string {
  const lines = GROUP_USAGE[group];
  if (!lines) return `\nUsage: pcs ${group} [commands]...\n    (no usage text available)\n`;
  const body = lines.map((l) => (l.startsWith("    ") ? `       ${l.trimStart()}` : `    ${l}`));
  return `\nUsage: pcs ${group} [commands]...\n${body.join("\n")}\n`;
}

/**
 * The usage printed for a subcommand used wrongly, as pcs does: "Usage: pcs GROUP SUB...",
 * then the usage lines of that subcommand (falling back to shorter command words).
 */
export function subcommandUsage(group: string, sub: string): string {
  let words = sub.split(" ").filter((w) => w !== "");
  for (; words.length > 0; words = words.slice(0, -1)) {
    const key = words.join(" ");
    // A matching line and the indented continuation lines under it.
    const lines: string[] = [];
    let on = false;
    for (const l of GROUP_USAGE[group] ?? []) {
      if (!l.startsWith(" ")) on = l === key || l.startsWith(`${key} `) || l.startsWith(`${key}|`);
      if (on) lines.push(l);
    }
    if (lines.length > 0)
      return `\nUsage: pcs ${group} ${sub}...\n${lines.map((l) => `    ${l}`).join("\n")}\n`;
  }
  return groupUsage(group);
}

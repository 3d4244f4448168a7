// Which process listens on a port, from Linux's /proc: a topology process is
// ready only when its own socket answers, not another program's that took its
// port first (the port was found free, then released until the process bound it).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Socket inodes listening on TCP `port` (IPv4 and IPv6); null where /proc/net cannot be read. */
function listeningInodes(port: number): Set<string> | null {
  const inodes = new Set<string>();
  let read = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A: LISTEN
      const local = f[1]!;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(f[9]!);
    }
  }
  return read ? inodes : null;
}

/** Processes by their parent's pid, zombies left out (Linux /proc). */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const list = children.get(Number(ppid));
      if (list) list.push(Number(d));
      else children.set(Number(ppid), [Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** The running processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  return processTree().get(pid) ?? [];
}

/**
 * `pid` and the processes it started, and theirs: a cluster's workers (which may hold
 * the socket), PostgreSQL's backends (whose CPU the benches count).
 */
export function processFamily(pid: number): number[] {
  const children = processTree();
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/**
 * Whether process `pid` (or one it started) holds a socket listening on TCP
 * `port`; undefined where this system cannot tell (no /proc), so the caller goes
 * by the answer alone.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const inodes = listeningInodes(port);
  if (inodes === null) return undefined;
  let readable = false;
  for (const p of processFamily(pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    readable = true;
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return true;
      } catch {
        // closed meanwhile
      }
    }
  }
  return readable ? false : undefined;
}

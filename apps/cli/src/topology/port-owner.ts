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

/**
 * Whether process `pid` holds a socket listening on TCP `port`; undefined
 * where this system cannot tell (no /proc), so the caller goes by the answer alone.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const inodes = listeningInodes(port);
  if (inodes === null) return undefined;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

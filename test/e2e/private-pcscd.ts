/**
 * A pcscd of its own for every end-to-end test file, benchmark and load run.
 *
 * `await startPrivatePcscd({ slots: 4 })` starts a pcscd that shares nothing with the system's: its
 * own client socket, its own pid file, its own reader configuration with vsmartcard vpcd entries on
 * free TCP ports, and no USB hotplug. Clients (pcsclite in Node, pyscard, scriptor, opensc-tool, pcsc_scan,
 * `sscard … --reader`) are pointed at it with the environment variable libpcsclite reads,
 * `PCSCLITE_CSOCK_NAME` — pass `pcscd.env` to every child process. Cards connect to `pcscd.port(i)`;
 * PC/SC programs see them in `pcscd.readerName(i)`.
 *
 * How (pcsc-lite 1.9/2.x, vsmartcard-vpcd 0.8/0.9):
 * - pcscd's own paths are compiled in: the socket `/run/pcscd/pcscd.comm`, the pid file next to it (a
 *   second pcscd refuses to start while the first one's pid file names a live process, and removes both
 *   files when it exits) and the USB driver directory `/usr/lib/pcsc/drivers`. Only the client library
 *   reads `PCSCLITE_CSOCK_NAME`. So pcscd runs in a mount namespace of its own (`unshare --mount`, or
 *   `unshare --user --map-root-user --mount` without root, where the kernel allows user namespaces), in
 *   which a private directory is bind-mounted over the IPC directory and an empty one over the driver
 *   directory (no hotplug: it never takes a real reader away from the system's pcscd). The socket it
 *   creates is reachable from outside the namespace by its real path, which `env` names.
 * - `pcscd -f -c <dir>` reads the vpcd entries from a reader.conf.d of its own. Each entry
 *   (`DEVICENAME /dev/null:<port>`, `CHANNELID <port>`) opens vpcd's two slots on `port` and `port + 1`.
 *   The vpcd driver keeps its connections in a static array indexed by slot, and pcscd loads one library
 *   per path only once, so each entry gets its own copy of `libifdvpcd.so` and its own FRIENDLYNAME.
 * - Ports are picked below the kernel's ephemeral range and checked afterwards: the helper only
 *   returns when every port listens on a socket that belongs to its pcscd (else it retries elsewhere).
 * - The pcscd gets SIGTERM when the process that started it dies (`setpriv --pdeathsig`), so an aborted
 *   test run leaves no daemon behind.
 *
 * Where a private pcscd cannot run (not Linux, no `unshare`, neither root nor user namespaces), or with
 * `SSCARD_TEST_PCSCD=shared`, the helper falls back to the system pcscd and its two fixed vpcd slots
 * (35963/35964, "Virtual PCD 00 00/01"). It then checks that each slot is free — vpcd listening and no
 * card program connected — and fails at once with a sentence naming the program that holds it, instead
 * of letting the test time out; parallel files take turns through a lock file. `SSCARD_TEST_PCSCD=private`
 * refuses the fallback.
 *
 * Documented for test writers in docs/pcsc.md ("Tests").
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The system pcscd's vpcd ports with Debian's default reader.conf (vpcd.h `VPCDPORT`, 2 slots). */
export const SHARED_VPCD_PORTS = [35963, 35964] as const;
/** Most readers (slots) one pcscd handles (pcsclite.h `PCSCLITE_MAX_READERS_CONTEXTS`). */
export const MAX_SLOTS = 16;
/** Slots per vpcd reader.conf entry (vsmartcard's default `--enable-vpcdslots=2`). */
const SLOTS_PER_ENTRY = 2;

/** Which pcscd a test runs against. */
export type PcscdKind = 'private' | 'shared';

/** Options of {@link startPrivatePcscd}. */
export interface PrivatePcscdOptions {
  /** Number of vpcd slots (readers) wanted, 1..16 (default 2). The shared pcscd has 2. */
  slots?: number;
  /**
   * `auto` (default): private where possible, else the shared pcscd; `private`: never fall back;
   * `shared`: always use the system pcscd. The environment variable `SSCARD_TEST_PCSCD` overrides it.
   */
  mode?: 'auto' | 'private' | 'shared';
  /** Longest wait for pcscd to come up, in ms (default 15000). */
  timeoutMs?: number;
}

/** A running pcscd the test can use. */
export interface TestPcscd {
  readonly kind: PcscdKind;
  /** Number of slots: `readerName(i)` and `port(i)` are defined for `0 <= i < slots`. */
  readonly slots: number;
  /** Environment for child processes: `process.env` plus `PCSCLITE_CSOCK_NAME` (private pcscd). */
  readonly env: NodeJS.ProcessEnv;
  /** The client socket (`PCSCLITE_CSOCK_NAME`), undefined for the shared pcscd's default one. */
  readonly socketPath: string | undefined;
  /** PID of the pcscd this helper started (undefined when the shared one is reused). */
  readonly pid: number | undefined;
  /** Name of slot `i`'s reader as PC/SC clients list it. */
  readerName(i: number): string;
  /** TCP port (on 127.0.0.1) where the card of slot `i` connects (`sscard serve --port`). */
  port(i: number): number;
  /** Whether {@link restart} works (only for a pcscd this helper started). */
  readonly canRestart: boolean;
  /** Stops pcscd and starts it again on the same socket and ports (tests of reconnection). */
  restart(): Promise<void>;
  /** What pcscd printed (last 64 KB), for failure messages. */
  output(): string;
  /** Stops the pcscd this helper started (by PID) and removes its files; releases a shared slot. */
  stop(): Promise<void>;
}

/** What the helper found out about this machine. */
export type PcscdProbe =
  | { ok: true; kind: PcscdKind; reason?: string }
  | { ok: false; reason: string };

/** Whether a program is on PATH. */
export function onPath(program: string): boolean {
  return findProgram(program) !== undefined;
}

function findProgram(program: string, extra: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extra]) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// /proc/net/tcp: who listens where, who is connected (no connection attempt: vpcd would take it for a card)

/** TCP states of /proc/net/tcp (include/net/tcp_states.h). */
const TCP_ESTABLISHED = '01';
const TCP_LISTEN = '0A';

interface TcpSocket {
  localPort: number;
  remotePort: number;
  state: string;
  inode: number;
}

/** Every IPv4 and IPv6 TCP socket of the machine's network namespace. */
export function tcpSockets(): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      out.push({
        localPort: Number.parseInt(cols[1]!.split(':')[1]!, 16),
        remotePort: Number.parseInt(cols[2]!.split(':')[1]!, 16),
        state: cols[3]!,
        inode: Number(cols[9]),
      });
    }
  }
  return out;
}

/** Ports in LISTEN state. */
export function listeningPorts(): Set<number> {
  return new Set(tcpSockets().filter((s) => s.state === TCP_LISTEN).map((s) => s.localPort));
}

/** Socket inodes a process holds open (empty when /proc/<pid>/fd cannot be read). */
function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** The process holding a socket inode, as "name (pid n): command line", when /proc lets us see it. */
function ownerOf(inode: number): string | undefined {
  if (inode === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    if (!socketInodes(Number(pid)).has(inode)) continue;
    let comm = '?';
    let cmdline = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // exited meanwhile
    }
    return `${comm} (pid ${pid})${cmdline ? `: ${cmdline.slice(0, 200)}` : ''}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// What a private pcscd needs

interface PrivateTools {
  pcscd: string;
  /** vsmartcard's pcscd driver, copied once per reader.conf entry. */
  vpcdDriver: string;
  /** pcscd's compiled-in IPC directory (socket and pid file) and socket file name. */
  ipcDir: string;
  socketName: string;
  /** pcscd's compiled-in USB driver directory (hidden: no hotplug), when it exists. */
  usbDriverDir: string | undefined;
  /** The command that runs the rest in a new mount namespace. */
  unshare: string[];
  /** `setpriv --pdeathsig TERM` when available. */
  deathSignal: string[];
}

/** Paths compiled into the pcscd binary (pcscd.h: PCSCLITE_CSOCK_NAME, PCSCLITE_HP_DROPDIR). */
function compiledPaths(pcscd: string): { socket: string; usbDriverDir: string } {
  let socket = '/run/pcscd/pcscd.comm';
  let usbDriverDir = '/usr/lib/pcsc/drivers';
  try {
    const strings = readFileSync(pcscd).toString('latin1').split('\0');
    socket = strings.find((s) => /^\/[\x21-\x7e]*\/pcscd\.comm$/.test(s)) ?? socket;
    usbDriverDir = strings.find((s) => /^\/[\x21-\x7e]*\/pcsc\/drivers$/.test(s)) ?? usbDriverDir;
  } catch {
    // keep the Debian defaults
  }
  return { socket, usbDriverDir };
}

/** vsmartcard's driver: from a reader.conf entry naming it, else its usual places. */
function findVpcdDriver(): string | undefined {
  const confDir = '/etc/reader.conf.d';
  try {
    for (const f of readdirSync(confDir)) {
      const text = readFileSync(join(confDir, f), 'utf8');
      for (const m of text.matchAll(/^\s*LIBPATH\s+(\S*vpcd\S*)\s*$/gim)) if (existsSync(m[1]!)) return m[1]!;
    }
  } catch {
    // no reader.conf.d
  }
  return ['/usr/lib/pcsc/drivers/serial/libifdvpcd.so', '/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so'].find(existsSync);
}

let toolsCache: { tools: PrivateTools } | { reason: string } | undefined;

/** Finds what a private pcscd needs, or says what is missing. Cached per process. */
function privateTools(): { tools: PrivateTools } | { reason: string } {
  if (toolsCache) return toolsCache;
  toolsCache = findPrivateTools();
  return toolsCache;
}

function findPrivateTools(): { tools: PrivateTools } | { reason: string } {
  if (process.platform !== 'linux') return { reason: 'a private pcscd needs Linux' };
  const pcscd = findProgram('pcscd', ['/usr/sbin', '/usr/local/sbin']);
  if (!pcscd) return { reason: 'pcscd is not installed (apt-get install pcscd)' };
  const vpcdDriver = findVpcdDriver();
  if (!vpcdDriver) return { reason: 'vsmartcard vpcd is not installed (apt-get install vsmartcard-vpcd)' };
  const unshareBin = findProgram('unshare', ['/usr/bin', '/bin']);
  if (!unshareBin) return { reason: '`unshare` (util-linux) is not installed' };
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const unshare = root
    ? [unshareBin, '--mount', '--propagation', 'private']
    : [unshareBin, '--user', '--map-root-user', '--mount', '--propagation', 'private'];
  const check = spawnSync(unshare[0]!, [...unshare.slice(1), 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (check.status !== 0) {
    return {
      reason: root
        ? `unshare --mount failed: ${(check.stderr || check.error?.message || '').trim()}`
        : `not root, and user namespaces are not available here (unshare --user: ${(check.stderr || check.error?.message || '').trim()})`,
    };
  }
  const { socket, usbDriverDir } = compiledPaths(pcscd);
  const setpriv = findProgram('setpriv', ['/usr/bin', '/bin']);
  return {
    tools: {
      pcscd,
      vpcdDriver,
      ipcDir: dirname(socket),
      socketName: socket.slice(dirname(socket).length + 1),
      usbDriverDir: existsSync(usbDriverDir) ? usbDriverDir : undefined,
      unshare,
      deathSignal: setpriv ? [setpriv, '--pdeathsig', 'TERM'] : [],
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Probe (synchronous: for describe.skipIf)

function requestedMode(options: PrivatePcscdOptions): 'auto' | 'private' | 'shared' {
  const env = process.env.SSCARD_TEST_PCSCD;
  if (env === 'auto' || env === 'private' || env === 'shared') return env;
  return options.mode ?? 'auto';
}

function sharedProbe(slots: number): PcscdProbe {
  if (process.platform !== 'linux') return { ok: false, reason: 'the pcscd tests need Linux (pcscd + vpcd)' };
  if (slots > SHARED_VPCD_PORTS.length) {
    return { ok: false, reason: `the system pcscd has ${SHARED_VPCD_PORTS.length} vpcd slots, the test needs ${slots}` };
  }
  const open = listeningPorts();
  if (SHARED_VPCD_PORTS.every((p) => open.has(p))) return { ok: true, kind: 'shared' };
  if (!findProgram('pcscd', ['/usr/sbin'])) return { ok: false, reason: 'pcscd is not installed (apt-get install pcscd)' };
  if (!findVpcdDriver()) return { ok: false, reason: 'vsmartcard vpcd is not installed (apt-get install vsmartcard-vpcd)' };
  if (pcscdRunning()) return { ok: false, reason: 'a pcscd runs without vpcd listening on 35963/35964 (restart it after installing vsmartcard-vpcd)' };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: 'pcscd is not running and starting it needs root (start pcscd, or run as root)' };
  }
  return { ok: true, kind: 'shared' };
}

/**
 * Can a test with `slots` slots run here, and on which pcscd? Synchronous and cheap, for
 * `describe.skipIf(!probe.ok)`; print `probe.reason` when skipping.
 */
export function probePcscd(options: PrivatePcscdOptions = {}): PcscdProbe {
  const slots = options.slots ?? 2;
  const mode = requestedMode(options);
  if (mode !== 'shared') {
    const found = privateTools();
    if ('tools' in found) return slots <= MAX_SLOTS ? { ok: true, kind: 'private' } : { ok: false, reason: `one pcscd has at most ${MAX_SLOTS} slots` };
    if (mode === 'private') return { ok: false, reason: `no private pcscd: ${found.reason}` };
    const shared = sharedProbe(slots);
    return shared.ok ? { ...shared, reason: `no private pcscd (${found.reason}): using the system pcscd` } : { ok: false, reason: `no private pcscd (${found.reason}), and ${shared.reason}` };
  }
  return sharedProbe(slots);
}

function pcscdRunning(): boolean {
  return spawnSync('pgrep', ['-x', 'pcscd'], { encoding: 'utf8' }).status === 0;
}

// ---------------------------------------------------------------------------------------------------
// Starting

/**
 * Starts a pcscd for this test (see the module comment): private where possible, else the shared one.
 * Throws with a clear sentence when neither is usable, when a shared slot is held by another program,
 * or when pcscd does not come up.
 */
export async function startPrivatePcscd(options: PrivatePcscdOptions = {}): Promise<TestPcscd> {
  const slots = options.slots ?? 2;
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS) throw new RangeError(`startPrivatePcscd: slots must be 1..${MAX_SLOTS}, got ${slots}`);
  const probe = probePcscd({ ...options, slots });
  if (!probe.ok) throw new Error(`cannot run pcscd for the test: ${probe.reason}`);
  if (probe.kind === 'private') {
    const found = privateTools();
    if (!('tools' in found)) throw new Error(found.reason);
    return startPrivate(found.tools, slots, options.timeoutMs ?? 15_000);
  }
  if (probe.reason) console.warn(`[pcscd] ${probe.reason}`);
  return startShared(slots, options.timeoutMs ?? 15_000);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** The kernel's ephemeral port range (outgoing connections take their local ports there). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    // default of Linux
  }
  return [32768, 60999];
}

/** A block of `count` consecutive ports no socket uses, outside the ephemeral range and vpcd's default. */
function pickPorts(count: number): number {
  const [ephemeralLow, ephemeralHigh] = ephemeralRange();
  const windows = [
    [20_000, Math.min(ephemeralLow, 65_536) - 1],
    [Math.max(ephemeralHigh + 1, 20_000), 65_535],
  ].filter(([lo, hi]) => hi! - lo! + 1 >= count * 8) as Array<[number, number]>;
  if (windows.length === 0) throw new Error('no TCP port range outside the ephemeral range for vpcd');
  const used = new Set(tcpSockets().map((s) => s.localPort));
  for (const p of SHARED_VPCD_PORTS) used.add(p);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const [lo, hi] = windows[attempt % windows.length]!;
    const base = lo + 2 * Math.floor((Math.random() * (hi - lo + 1 - count)) / 2);
    let free = true;
    for (let p = base; p < base + count; p++) if (used.has(p)) free = false;
    if (free) return base;
  }
  throw new Error('no free block of TCP ports found for vpcd');
}

/** Friendly name of a private reader.conf entry; pcscd appends " 00 <slot>". */
function entryName(basePort: number): string {
  return `Virtual PCD port ${basePort}`;
}

function readerConf(entries: Array<{ port: number; library: string }>): string {
  return entries
    .map(
      (e) =>
        `# vpcd slots on ports ${e.port} and ${e.port + 1}\n` +
        `FRIENDLYNAME "${entryName(e.port)}"\nDEVICENAME   /dev/null:${e.port}\nLIBPATH      ${e.library}\nCHANNELID    ${e.port}\n`,
    )
    .join('\n');
}

/** The shell step run inside the new mount namespace: private IPC dir, no USB drivers, then pcscd. */
const NAMESPACE_SCRIPT = [
  'set -e',
  // $1 private IPC dir, $2 pcscd's IPC dir, $3 empty dir, $4 pcscd's USB driver dir ("" = none), $5 pcscd, $6 conf dir
  'if [ -d "$2" ]; then mount --bind "$1" "$2"; else mount -t tmpfs sscard-pcscd "$(dirname "$2")"; mkdir -p "$2"; mount --bind "$1" "$2"; fi',
  'if [ -n "$4" ]; then mount --bind "$3" "$4"; fi',
  'exec "$5" --foreground --config "$6"',
].join('\n');

class PrivatePcscd implements TestPcscd {
  readonly kind = 'private' as const;
  readonly canRestart = true;
  readonly env: NodeJS.ProcessEnv;
  readonly socketPath: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output = '';
  #stopped = false;

  constructor(
    readonly slots: number,
    readonly basePort: number,
    readonly dir: string,
    readonly tools: PrivateTools,
  ) {
    this.socketPath = join(dir, 'run', tools.socketName);
    const env: NodeJS.ProcessEnv = { ...process.env, PCSCLITE_CSOCK_NAME: this.socketPath };
    this.env = env;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  readerName(i: number): string {
    this.#check(i);
    const entryPort = this.basePort + SLOTS_PER_ENTRY * Math.floor(i / SLOTS_PER_ENTRY);
    return `${entryName(entryPort)} 00 ${(i % SLOTS_PER_ENTRY).toString(16).toUpperCase().padStart(2, '0')}`;
  }

  port(i: number): number {
    this.#check(i);
    return this.basePort + i;
  }

  /** Every port of every entry (the odd last slot of an entry is opened too). */
  get allPorts(): number[] {
    const n = Math.ceil(this.slots / SLOTS_PER_ENTRY) * SLOTS_PER_ENTRY;
    return Array.from({ length: n }, (_, i) => this.basePort + i);
  }

  output(): string {
    return this.#output;
  }

  #check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.slots) throw new RangeError(`slot ${i}: this pcscd has slots 0..${this.slots - 1}`);
  }

  /** Spawns pcscd and waits until its socket exists and it owns every vpcd port. */
  async launch(timeoutMs: number): Promise<'ready' | 'ports-taken'> {
    const t = this.tools;
    const env = { ...process.env };
    delete env.LISTEN_FDS; // never take a socket-activation descriptor meant for someone else
    delete env.LISTEN_PID;
    const args = [
      ...t.deathSignal,
      ...t.unshare,
      '--',
      '/bin/sh',
      '-c',
      NAMESPACE_SCRIPT,
      'sscard-pcscd',
      join(this.dir, 'run'),
      t.ipcDir,
      join(this.dir, 'empty'),
      t.usbDriverDir ?? '',
      t.pcscd,
      join(this.dir, 'reader.conf.d'),
    ];
    const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: this.dir });
    this.#child = child;
    const append = (d: Buffer) => {
      this.#output = (this.#output + String(d)).slice(-65_536);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    let exited = false;
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        exited = true;
        resolve();
      });
      child.once('error', (err) => {
        append(Buffer.from(`spawn failed: ${err.message}\n`));
        exited = true;
        resolve();
      });
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`private pcscd exited at once (${child.exitCode ?? child.signalCode}): ${this.#output.trim().slice(-1500)}`);
      const state = this.#portState(child.pid!);
      if (state === 'ready' && existsSync(this.socketPath)) return 'ready';
      if (state === 'taken') {
        await this.#kill();
        return 'ports-taken';
      }
      if (Date.now() > deadline) {
        await this.#kill();
        throw new Error(`private pcscd did not open vpcd ports ${this.allPorts.join(', ')} within ${timeoutMs} ms; output:\n${this.#output.trim().slice(-1500)}`);
      }
      await sleep(50);
    }
  }

  /** 'ready' when our pcscd listens on every port; 'taken' when another socket listens on one. */
  #portState(pid: number): 'ready' | 'taken' | 'waiting' {
    const mine = socketInodes(pid);
    const listening = tcpSockets().filter((s) => s.state === TCP_LISTEN);
    let ready = true;
    for (const port of this.allPorts) {
      const here = listening.filter((s) => s.localPort === port);
      if (here.some((s) => !mine.has(s.inode))) return 'taken';
      if (!here.some((s) => mine.has(s.inode))) ready = false;
    }
    return ready ? 'ready' : 'waiting';
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error('restart: this pcscd was stopped');
    await this.#kill();
    const result = await this.launch(15_000);
    if (result !== 'ready') throw new Error(`restart: vpcd ports ${this.allPorts.join(', ')} were taken by another program meanwhile`);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const DIR_PREFIX = 'sscard-pcscd-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stopOrphan(dir: string): void {
  try {
    const pid = Number(readFileSync(join(dir, 'run', 'pcscd.pid'), 'utf8').replace(/\0/g, '').trim());
    if (pid > 0 && alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGTERM');
  } catch {
    // no pid file: pcscd is gone
  }
}

/**
 * Removes the directories of private pcscds whose owner process is gone (a test run killed before its
 * `stop()`; its pcscd got SIGTERM through the parent-death signal). They hold only copies of the driver
 * and configuration.
 */
function removeStaleDirs(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    try {
      const owner = Number(readFileSync(join(dir, 'owner'), 'utf8').trim());
      if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) continue;
      // Without setpriv the orphaned pcscd may still run: stop it, if its command line names this directory.
      stopOrphan(dir);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // not ours, or being created right now
    }
  }
}

async function startPrivate(tools: PrivateTools, slots: number, timeoutMs: number): Promise<PrivatePcscd> {
  const entries = Math.ceil(slots / SLOTS_PER_ENTRY);
  // The socket path must fit sockaddr_un.sun_path (108 bytes): prefer a short temporary directory.
  const base = tmpdir().length < 60 ? tmpdir() : '/tmp';
  removeStaleDirs(base);
  const dir = mkdtempSync(join(base, DIR_PREFIX));
  try {
    writeFileSync(join(dir, 'owner'), `${process.pid}\n`);
    for (const sub of ['run', 'empty', 'reader.conf.d', 'lib']) mkdirSync(join(dir, sub));
    const libraries = Array.from({ length: entries }, (_, k) => {
      const copy = join(dir, 'lib', `libifdvpcd-${k}.so`);
      copyFileSync(tools.vpcdDriver, copy);
      return copy;
    });
    for (let attempt = 1; attempt <= 5; attempt++) {
      const basePort = pickPorts(entries * SLOTS_PER_ENTRY);
      writeFileSync(
        join(dir, 'reader.conf.d', 'vpcd'),
        readerConf(libraries.map((library, k) => ({ library, port: basePort + SLOTS_PER_ENTRY * k }))),
      );
      const pcscd = new PrivatePcscd(slots, basePort, dir, tools);
      if ((await pcscd.launch(timeoutMs)) === 'ready') return pcscd;
    }
    throw new Error('private pcscd: every block of vpcd ports tried was taken by another program');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// The shared pcscd (fallback)

const SHARED_LOCK = join(tmpdir(), 'sscard-e2e-shared-vpcd.lock');

/** The system pcscd's reader names with Debian's reader.conf (FRIENDLYNAME "Virtual PCD"). */
function sharedReaderName(i: number): string {
  return `Virtual PCD 00 ${i.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * Why a shared vpcd slot cannot be used, or undefined when it is free: vpcd must listen on the port and
 * no card program may be connected to it (a card inserted by someone else — e.g. a user's own
 * `sscard serve` or `vicc`).
 */
export function sharedSlotProblem(slot: number): string | undefined {
  const port = SHARED_VPCD_PORTS[slot]!;
  const sockets = tcpSockets();
  const listener = sockets.find((s) => s.state === TCP_LISTEN && s.localPort === port);
  const reader = `"${sharedReaderName(slot)}" (vpcd port ${port})`;
  if (!listener) return `vpcd does not listen on port ${port}: is pcscd running with vsmartcard-vpcd?`;
  const owner = ownerOf(listener.inode);
  if (owner && !/^pcscd /.test(owner)) return `port ${port} is held by ${owner}, not by pcscd's vpcd: reader ${reader} cannot be used`;
  const card = sockets.find((s) => s.state === TCP_ESTABLISHED && s.remotePort === port);
  if (card) {
    const who = ownerOf(card.inode);
    return (
      `reader ${reader} already has a card: ${who ?? 'a program'} is connected to vpcd's port ${port}. ` +
      'Stop it (your own `sscard serve`?) or let the tests start a private pcscd (run them as root or where user namespaces are allowed)'
    );
  }
  return undefined;
}

/** Holds the lock file through `flock(1)` in a child; released when the child's stdin closes. */
async function takeSharedLock(timeoutMs: number): Promise<() => Promise<void>> {
  const flock = findProgram('flock', ['/usr/bin', '/bin']);
  if (!flock) return async () => {};
  const child = spawn(flock, [SHARED_LOCK, '/bin/sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const locked = new Promise<boolean>((resolve) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && resolve(true));
    child.once('exit', () => resolve(false));
  });
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  if (!(await Promise.race([locked, timer]))) {
    child.kill('SIGTERM');
    throw new Error(`the shared vpcd slots stayed locked by another test (${SHARED_LOCK}) for ${timeoutMs} ms`);
  }
  return async () => {
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    await gone;
  };
}

class SharedPcscd implements TestPcscd {
  readonly kind = 'shared' as const;
  readonly socketPath = undefined;
  readonly env: NodeJS.ProcessEnv = { ...process.env };
  #output = '';

  constructor(
    readonly slots: number,
    readonly started: ChildProcess | undefined,
    readonly release: () => Promise<void>,
  ) {
    started?.stdout?.on('data', (d) => (this.#output = (this.#output + String(d)).slice(-65_536)));
    started?.stderr?.on('data', (d) => (this.#output = (this.#output + String(d)).slice(-65_536)));
    delete this.env.PCSCLITE_CSOCK_NAME;
  }

  get pid(): number | undefined {
    return this.started?.pid;
  }

  get canRestart(): boolean {
    return false;
  }

  readerName(i: number): string {
    this.#check(i);
    return sharedReaderName(i);
  }

  port(i: number): number {
    this.#check(i);
    return SHARED_VPCD_PORTS[i]!;
  }

  #check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.slots) throw new RangeError(`slot ${i}: this pcscd has slots 0..${this.slots - 1}`);
  }

  output(): string {
    return this.#output;
  }

  async restart(): Promise<void> {
    throw new Error('restart: the shared pcscd is not ours to restart');
  }

  async stop(): Promise<void> {
    const child = this.started;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    await this.release();
  }
}

async function startShared(slots: number, timeoutMs: number): Promise<SharedPcscd> {
  const release = await takeSharedLock(Math.max(timeoutMs, 100_000));
  try {
    let started: ChildProcess | undefined;
    const open = listeningPorts();
    if (!SHARED_VPCD_PORTS.every((p) => open.has(p)) && !pcscdRunning()) {
      // No system pcscd: start one in the foreground, stopped again by stop() (by its PID).
      const bin = findProgram('pcscd', ['/usr/sbin'])!;
      started = spawn(bin, ['-f'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const deadline = Date.now() + timeoutMs;
      while (!SHARED_VPCD_PORTS.every((p) => listeningPorts().has(p))) {
        if (started.exitCode !== null) throw new Error('pcscd -f exited at once');
        if (Date.now() > deadline) {
          started.kill('SIGTERM');
          throw new Error('timed out waiting for pcscd to open the vpcd ports 35963/35964');
        }
        await sleep(100);
      }
    }
    for (let i = 0; i < slots; i++) {
      const problem = sharedSlotProblem(i);
      if (problem) {
        started?.kill('SIGTERM');
        throw new Error(problem);
      }
    }
    return new SharedPcscd(slots, started, release);
  } catch (err) {
    await release();
    throw err;
  }
}

// Composition root: picks the implementations and wires routes to services.
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { CloseCode, MAX_CLIENT_FRAME_BYTES } from '@berth/shared';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { HttpError } from './errors.js';
import { remappedUid } from './host/host-network.js';
import { hostPaths } from './host/host-services.js';
import { httpAnswers, tcpAnswers } from './host/health-probes.js';
import { DockerRuntime, type DockerRuntimeOptions } from './runtime/docker-runtime.js';
import { LxdRuntime } from './runtime/lxd/lxd-runtime.js';
import { lxdRuntimeOptions } from './runtime/lxd/lxd-config.js';
import type { SandboxRuntime } from './runtime/runtime.js';
import { SessionDisks } from './runtime/session-disk.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/sessions.js';
import { terminalRoutes } from './routes/terminal.js';
import { engineViewRoutes } from './routes/engine-view.js';
import { fileRoutes } from './routes/files.js';
import { SessionRecordings } from './recordings/session-recordings.js';
import type { StaffStore } from './people/staff-store.js';
import { staffFeatures } from './routes/staff-features.js';
import { SessionFiles } from './files/session-files.js';
import { EngineWatch } from './engine-view/engine-watch.js';
import { itemDetails } from './engine-view/item-details.js';
import { SessionManager } from './sessions/session-manager.js';
import { startReaper } from './reaper/expire-sessions.js';
import { LessonService } from './lessons/lesson-service.js';
import { loadLessons } from './lessons/load-lessons.js';
import { checkRunner } from './lessons/run-check.js';
import { lessonRoutes } from './routes/lessons.js';
import { openStores } from './store/stores.js';
import { SandboxPool } from './sessions/sandbox-pool.js';
import { newSessionId } from './sessions/session-manager.js';
import { sweepOrphans } from './reaper/sweep-orphans.js';
import { TerminalHosts } from './terminal/terminal-hosts.js';
import { MirrorCatalog } from './missing-images/mirror-catalog.js';
import { MissingImageNotes } from './missing-images/missing-image-note.js';
import { StatsNote } from './engine-notes/stats-note.js';
import { UpstreamStatus, upstreamName } from './missing-images/upstream-status.js';
import { sessionProxy } from './egress/session-proxy.js';
import { NetworkNeededNotes } from './error-notes/network-needed-note.js';
import { PortTakenNotes } from './error-notes/port-taken-note.js';
import { ObserverChain } from './terminal/observer-chain.js';
import { Metrics } from './metrics/metrics.js';
import { metricsRoutes } from './routes/metrics.js';
import { portTicketRoutes } from './routes/port-tickets.js';
import { PortsServer } from './ports/ports-server.js';
import { PortsOrigin } from './ports/ports-origin.js';
import { PortTickets } from './ports/port-tickets.js';
import { SessionWatcher } from './sessions/session-watcher.js';
import { LostHosts, sandboxReadyNote } from './sessions/lost-hosts.js';
import { SandboxNaps } from './naps/sandbox-naps.js';
import { WakingRuntime } from './naps/waking-runtime.js';
import { HostWatch } from './host/host-watch.js';
import { hostEvent, HostNotices } from './sessions/host-notices.js';
import { DataDisk, isDiskFull } from './host/data-disk.js';
import { diagnoseStartFailure, hostFacts } from './host/start-diagnosis.js';
import { StartGate } from './sessions/start-gate.js';
import { StartOutcomes, startsFailingText } from './sessions/start-outcomes.js';
import { StartProbe } from './sessions/start-probe.js';
import { PublicOrigin } from './routes/public-origin.js';
import { refuseCrossSiteCalls } from './routes/cross-site.js';
import { webPageOptions } from './routes/web-page.js';
import { clientAddressOf, fastifyTrustProxy } from './proxy-config.js';
import { StartRateError } from './sessions/visitor-limits.js';

export interface Berth {
  app: FastifyInstance;
  sessions: SessionManager;
  /** Sandboxes reached through it wake first if they nap. */
  runtime: SandboxRuntime;
  /** Quiet sessions' sandboxes frozen (naps/sandbox-naps.ts). */
  naps: SandboxNaps;
  lessons: LessonService;
  /** The engine view's watches (one per watched session). */
  engineWatch: EngineWatch;
  /** The ports listener (port links, on an origin of their own): listen() it beside app. */
  ports: PortsServer;
  /** The engine, mirror and package cache, probed every second. */
  hostWatch: HostWatch;
  /** Staff accounts and their sign-ins (berth.db, or the PostgreSQL database BERTH_DATABASE_URL names). */
  staff: StaffStore;
  /** At start: takes back the sessions of a previous run (even after SIGKILL), removes orphans, fills the pool. */
  recover(): Promise<void>;
  /** Ends every session and closes the server. */
  close(): Promise<void>;
  /** Closes the server and keeps its sessions (sandboxes running, rows in the store) for the next start. */
  detach(): Promise<void>;
}

/** The offline mirror first (Berth's own images win), then the pull-through cache when there is an upstream. */
export function registryMirrors(config: Config): string[] {
  return [`${config.serviceIp}:${config.mirrorPort}`, ...(config.registryUpstream ? [`${config.serviceIp}:${config.registryCachePort}`] : [])];
}

export function createRuntime(config: Config, overrides: Partial<DockerRuntimeOptions> = {}): DockerRuntime {
  const paths = hostPaths(config);
  return new DockerRuntime({
    socketPath: config.engineSocket,
    instance: config.instance,
    image: config.sessionImage,
    seccompProfile: paths.seccompProfile,
    memoryBytes: config.memoryBytes,
    cpus: config.cpus,
    pidsLimit: config.pidsLimit,
    serviceIp: config.serviceIp,
    registryMirrors: registryMirrors(config),
    readyTimeoutMs: config.readyTimeoutMs,
    tunDevice: hostFacts(config).tunDevice,
    disks: new SessionDisks(path.join(paths.sessions, config.instance), config.diskBytes, remappedUid(1000)),
    shellEnv: sessionProxy(config)?.env,
    homeFiles: sessionProxy(config)?.homeFiles,
    terminal: config.terminal,
    listenersHelper: paths.listenersHelper,
    ...overrides,
  });
}

/** The runtime sessions use: BERTH_RUNTIME=lxd puts sandboxes on LXD, else Berth's own Docker engine. */
export function createSandboxRuntime(config: Config): SandboxRuntime {
  if (config.runtime === 'lxd') return new LxdRuntime({ ...lxdRuntimeOptions(config), registryMirrors: registryMirrors(config), shellEnv: sessionProxy(config)?.env });
  return createRuntime(config);
}

export async function buildApp(config: Config, opts: { runtime?: SandboxRuntime; logger?: boolean | object } = {}): Promise<Berth> {
  // Before anything else: an invalid lesson stops the server with every problem's file and line.
  const lessonList = loadLessons(config.lessonsDir);
  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel },
    bodyLimit: 64 * 1024,
    // Unknown fields are an error the client should hear about, not something silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    logController: new LogController({ disableRequestLogging: true }),
    // Off unless BERTH_TRUST_PROXY says so: a visitor's own X-Forwarded-For must not pick their address.
    trustProxy: fastifyTrustProxy(config.trustProxy),
  });
  app.decorate('publicOrigin', new PublicOrigin(config.publicUrl, () => listeningPort(app)));
  // Everything but the naps themselves reaches sandboxes through a runtime that wakes a napping one first.
  const engineRuntime = opts.runtime ?? createSandboxRuntime(config);
  const naps: SandboxNaps = new SandboxNaps(engineRuntime, () => sessions.live(), { napAfterMs: config.napAfterMs }, app.log);
  const runtime = new WakingRuntime(engineRuntime, naps);
  const stores = await openStores(config, app.log);
  const dataDisk = new DataDisk(config.dataDir);
  const starts = new StartOutcomes((text) => diagnoseStartFailure(text, hostFacts(config)), app.log);
  const startGate = new StartGate(config.startsAtOnce);
  const pool = new SandboxPool(runtime, config.poolSize, newSessionId, () => sessions.activeCount() < config.maxSessions, starts, app.log, startGate);
  const sessions: SessionManager = new SessionManager(
    runtime,
    {
      instance: config.instance,
      ttlMs: config.sessionTtlMs,
      idleTimeoutMs: config.idleTimeoutMs,
      idleVisibleTimeoutMs: config.idleVisibleTimeoutMs,
      maxSessions: config.maxSessions,
      maxPerClient: config.maxPerClient,
      maxPerAddress: config.maxPerAddress,
      startsPerAddressPerMin: config.startsPerAddressPerMin,
      maxQueue: config.maxQueue,
      extendMs: config.extendMs,
      maxExtensions: config.maxExtensions,
      warnBeforeMs: config.warnBeforeMs,
      requireRoom: (lang) => {
        if (!hostWatch.current.engine) throw new HttpError(503, 'The sandbox host is restarting: try again in a moment.');
        dataDisk.requireRoomToStart();
        if (starts.failing) throw new HttpError(503, startsFailingText(lang));
      },
      starts,
      startGate,
      shared: config.sharedSessions,
    },
    app.log,
    stores.sessions,
    pool,
  );
  const tellVisitor = (id: string, message: string) => sessions.emit('event', id, { type: 'error', message });
  const runScript = checkRunner(runtime, app.log, tellVisitor);
  /** Told after each command any terminal finished, beside the lessons (an interview's checks). */
  const afterCommand: ((sessionId: string) => void)[] = [];
  const lessons = new LessonService(lessonList, stores.progress, {
    runScript,
    emit: (id, event) => sessions.emit('event', id, event),
    notify: (id, message) => sessions.emit('event', id, { type: 'error', message }),
  });
  // Read before a learner's first command, so an image the mirror lacks is explained at once.
  const mirrorCatalog = new MirrorCatalog(`http://${config.serviceIp}:${config.mirrorPort}`, app.log);
  void mirrorCatalog.freshen();
  const upstream = config.registryUpstream
    ? new UpstreamStatus(upstreamName(config.registryUpstream.url), config.registryUpstream.url, `http://${config.serviceIp}:${config.registryCachePort}`, app.log)
    : undefined;
  // Asked at start too: a note composed before a learner's first docker command's probe is back says less.
  void upstream?.freshen();
  const onCommand = (id: string, command: Parameters<LessonService['onCommand']>[1]) => {
    void lessons.onCommand(id, command);
    for (const told of afterCommand) told(id);
  };
  const hosts = new TerminalHosts(runtime, onCommand, app.log, config.resumeGraceMs, (id) => {
    const lang = () => lessons.langOf(id) ?? sessions.get(id)?.lang ?? 'en';
    return new ObserverChain([
      new MissingImageNotes(mirrorCatalog, lang, Date.now, upstream),
      // With egress on, a failed download is a host off the allow-list or a real outage: not this line's to explain.
      ...(config.egress.mode === 'off' ? [new NetworkNeededNotes(lang)] : []),
      new PortTakenNotes(lang),
      new StatsNote(lang),
    ]);
  });
  hosts.onTerminals = (id, open) => sessions.emit('event', id, { type: 'terminals', open });
  hosts.onStaff = (id, staff) => sessions.emit('event', id, { type: 'watchers', ...staff });
  hosts.onShellOpened = (id, via) => {
    metrics.observeShell(via);
    if (via === 'exec' && config.terminal === 'server') app.log.info({ session: id }, 'the sandbox\'s terminal server did not answer (ended or replaced by the visitor?): this shell is by Engine API exec');
  };
  // Every session's terminal with BERTH_RECORD=terminals; an interview's whatever it says.
  const recordings = new SessionRecordings(config.recordingsDir, config.recordingsDays, hosts, app.log);
  const recorded = (id: string) => config.recordTerminals || sessions.get(id)?.terms?.kind === 'interview';
  recordings.startSweeping();
  const metrics = new Metrics();
  engineRuntime.onStartPhases = (phases) => metrics.observeStartPhases(phases);
  const engineWatch = new EngineWatch(runtime, (id, err) => app.log.warn({ session: id, err: (err as Error).message }, 'the engine view could not read the engine'));
  sessions.on('event', (id, event) => {
    if (event.type === 'step' && event.done) recordings.marker(id, `step ${event.lesson}/${event.step} done`);
    if (event.type !== 'status') return;
    const s = sessions.get(id);
    // A sandbox replaced (sessions.renewSandbox) is no new start, and its recording goes on.
    if (event.state === 'ready' && s && !sessions.isRenewing(id)) metrics.observeStart((Date.now() - s.createdAt) / 1000);
    if (event.state === 'ready' && recorded(id) && !sessions.isRenewing(id)) recordings.start(id);
    if (event.state !== 'ended') return;
    void recordings.seal(id);
    metrics.observeEnd(event.reason ?? 'error');
    lessons.forget(id);
    hosts.end(id);
    engineWatch.forget(id);
  });

  app.setErrorHandler((caught: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    // A write that failed for lack of space is the data disk's fault, and the visitor hears which disk.
    const err: typeof caught = isDiskFull(caught) ? dataDisk.fullError() : caught;
    if (err !== caught) req.log.error({ err: caught.message }, 'the data disk is full');
    const status = err instanceof HttpError ? err.statusCode : (err.statusCode ?? 500);
    // A 5xx Berth raised on purpose (host full, disk full) says what happened; any other hides its details.
    if (status >= 500 && !(err instanceof HttpError)) {
      req.log.error({ err }, 'request failed');
      return reply.code(status).send({ statusCode: status, error: 'Internal Server Error', message: 'Something went wrong on the server; it has been logged.' });
    }
    const message = caught.validation ? `Invalid request: ${caught.message}` : err.message;
    if (err instanceof StartRateError) reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.code(status).send({ statusCode: status, error: httpReason(status), message });
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No API route ${req.method} ${req.url.split('?')[0]}` });
    }
    // The page is a single-page app: unknown paths get it, so deep links work.
    if (req.method === 'GET' && fs.existsSync(path.join(config.webDir, 'index.html'))) return reply.sendFile('index.html');
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'Not found' });
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_CLIENT_FRAME_BYTES } });
  if (fs.existsSync(config.webDir)) await app.register(fastifyStatic, webPageOptions(config.webDir));

  refuseCrossSiteCalls(app);
  sessionRoutes(app, { sessions, idle: config });
  staffFeatures(app, { stores, sessions, lessons, hosts, pool, recordings, runScript: checkRunner(runtime, app.log, tellVisitor, 'interview'), afterCommand: (told) => afterCommand.push(told), publicUrl: config.publicUrl, oidc: config.oidc, everyTerminal: config.recordTerminals });
  const watcher = new SessionWatcher(sessions, runtime, config.diskBytes, { memoryBytes: config.memoryBytes, pids: config.pidsLimit });
  watcher.isNapping = (id) => naps.isNapping(id);
  watcher.start();
  const lostHosts = new LostHosts(sessions, runtime, app.log, pool);
  sessions.on('renewing', (id, notice) => {
    watcher.sandboxReplaced(id);
    hosts.sandboxReplaced(id, notice);
    engineWatch.forget(id);
  });
  sessions.on('renewed', (id) => hosts.sandboxRenewed(id, sandboxReadyNote(sessions.get(id)?.lang)));
  // Servers sharing sessions: a visitor whose server stopped comes here; their shell is a new one, as after a restart.
  sessions.on('joined', (id) => {
    hosts.markAdopted([id]);
    if (recorded(id) && sessions.get(id)?.state === 'ready') recordings.start(id);
  });
  if (config.sharedSessions) {
    app.log.info('sessions are shared with the other Berth servers of this instance (lxd runtime, PostgreSQL): warm pool and naps are off');
    app.addHook('onRequest', async (req) => {
      const id = sessionInPath(req.url);
      if (id) await sessions.takeUp(id, () => req.ip);
    });
  }
  lostHosts.start();
  // A keystroke (or a lesson's Run) wakes a napping sandbox; what was typed waits in the socket meanwhile.
  sessions.on('activity', (id) => void naps.wake(id));
  // Before the first key: moving the pointer back over the page thaws the sandbox while the visitor reaches for the keys.
  sessions.on('present', (id) => void naps.wake(id));
  // A page watching its terminal print (a `ping`, `docker logs -f`) is using the session though nobody types.
  hosts.onPrinted = (id) => naps.used(id);
  naps.start();
  const hostWatch = new HostWatch({
    engine: () => runtime.ping(),
    mirror: () => httpAnswers({ url: `http://${config.serviceIp}:${config.mirrorPort}/v2/` }),
    packageCache: () => tcpAnswers(config.serviceIp, config.aptCachePort),
  });
  const notices = new HostNotices(sessions, hostWatch);
  notices.start();
  hostWatch.on('change', (now, before) => {
    if (!now.engine || before.engine) return;
    // The engine is back: sessions whose sandbox survived get a fresh shell, the others end ("host restart").
    void sessions
      .recoverFromEngineRestart()
      .then((kept) => {
        hosts.engineBack(kept);
        notices.tell(hostEvent('engine', true), kept);
      })
      .catch((err: Error) => app.log.error({ err: err.message }, 'could not check the sessions after an engine restart'));
  });
  hostWatch.start();
  // While starts fail, a probe sandbox keeps trying (see start-probe.ts); the pool refills once one works.
  const probe = new StartProbe(starts, async () => {
    const id = newSessionId();
    await runtime.createSandbox(id);
    await runtime.destroySandbox(id);
  });
  probe.start();
  starts.on('recovered', () => pool.refill());
  hostWatch.on('change', (now, before) => {
    if (now.engine && !before.engine) probe.now();
  });
  terminalRoutes(app, {
    sessions,
    hosts,
    initialEvents: (id) => {
      const s = sessions.get(id)!;
      const queue = sessions.queueEvent(s);
      const ready = s.state === 'ready' ? [sessions.lifetime(s), ...watcher.current(id), { type: 'terminals' as const, open: hosts.open(id) }, { type: 'watchers' as const, ...hosts.staffWatching(id) }, ...(recorded(id) ? [{ type: 'recorded' as const, keptDays: recordings.keptDays }] : [])] : [];
      return [...(queue ? [queue] : []), ...ready, ...notices.current()];
    },
  });
  lessonRoutes(app, { lessons, sessions });
  engineViewRoutes(app, {
    sessions,
    watch: engineWatch,
    inspect: (id, kind, item) => itemDetails((cmd) => runtime.exec(id, cmd, { timeoutMs: 10_000, maxOutputBytes: 2 * 1024 * 1024 }), kind, item),
  });
  fileRoutes(app, { sessions, files: new SessionFiles(runtime) });
  const portsOrigin: PortsOrigin = new PortsOrigin(config.portsUrl, (): number | undefined => ports.port);
  const tickets = new PortTickets();
  const ports: PortsServer = new PortsServer({ sessions, runtime, origin: portsOrigin, tickets, log: app.log, clientAddress: clientAddressOf(config.trustProxy) });
  portTicketRoutes(app, { sessions, tickets, origin: portsOrigin });
  // A websocket to a visitor's app carries no keystrokes: a sandbox with one open does not nap.
  naps.inUse = (id) => ports.hasTunnels(id);
  // Per-session figures cost an engine call each: every scrape within a few seconds shares one look.
  const sessionUsage = cachedFor(5000, async () => {
    const ready = sessions.live().filter((s) => s.state === 'ready');
    const usage = await Promise.all(ready.map((s) => runtime.usage(s.id).then((u) => ({ id: s.id, ...u }), () => null)));
    return usage.filter((u) => u !== null);
  });
  metricsRoutes(app, {
    token: config.metricsToken,
    render: async () => {
      const live = sessions.live();
      const liveIds = new Set(live.map((s) => s.id));
      return metrics.render({
        live: live.length,
        starting: live.filter((s) => s.state === 'starting').length,
        queued: live.filter((s) => s.state === 'queued').length,
        pooled: pool.readyCount,
        napping: naps.count,
        starts: { ...starts.totals, failing: starts.failing },
        terminals: hosts.size,
        sessions: (await sessionUsage()).filter((u) => liveIds.has(u.id)),
      });
    },
  });
  healthRoutes(app, {
    health: async () => {
      const { engine, mirror, packageCache } = await hostWatch.check();
      const report = starts.report();
      const down = [
        !engine && 'session engine',
        !mirror && 'registry mirror',
        !packageCache && 'package cache',
        report.failing && `sandbox starts: ${report.lastFailure?.cause}`,
      ].filter((x): x is string => !!x);
      return { ok: !down.length, engine, mirror, packageCache, down, sessions: sessions.live().length, starts: report };
    },
  });

  const stopReaper = startReaper(sessions, config.reapIntervalMs);
  return {
    app,
    sessions,
    runtime,
    naps,
    lessons,
    engineWatch,
    hostWatch,
    ports,
    staff: stores.staff,
    close: async () => {
      stopReaper();
      watcher.stop();
      lostHosts.stop();
      naps.stop();
      hostWatch.stop();
      await probe.stop();
      await sessions.shutdown('host-restart');
      recordings.stopSweeping();
      await recordings.sealAll();
      await ports.close();
      await app.close();
      await stores.close();
    },
    detach: async () => {
      stopReaper();
      watcher.stop();
      lostHosts.stop();
      naps.stop();
      hostWatch.stop();
      await sessions.detach();
      recordings.stopSweeping();
      await recordings.sealAll();
      // Pages reconnect by themselves on this code, until the next start takes their sessions back.
      for (const client of app.websocketServer.clients) client.close(CloseCode.serverRestarting, 'the Berth server is restarting');
      await hosts.endAll();
      await ports.close();
      await app.close();
      await stores.close();
    },
    recover: async () => {
      const adopted = await sessions.adopt();
      // The last run may have left some napping: this one knows nothing of that, so they are thawed.
      await naps.wakeAll(adopted);
      hosts.markAdopted(adopted);
      // A recording goes on in a new file after a restart (the last one was sealed when the server stopped).
      for (const id of adopted) if (recorded(id)) recordings.start(id);
      await sweepOrphans(runtime, await sessions.heldSandboxes(), app.log);
      pool.refill();
    },
  };
}

/** The latest result of `make` while it is younger than ms; callers meanwhile share one call in flight. */
function cachedFor<T>(ms: number, make: () => Promise<T>): () => Promise<T> {
  let latest: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!latest || Date.now() - latest.at > ms) {
      const value = make();
      latest = { at: Date.now(), value };
      value.catch(() => (latest = undefined));
    }
    return latest.value;
  };
}

/** The session a request is about (/api/sessions/<id>/...), if any. */
function sessionInPath(url: string): string | undefined {
  return /^\/api\/sessions\/([a-z0-9]{9})(?:[/?]|$)/.exec(url)?.[1];
}

function listeningPort(app: FastifyInstance): number | undefined {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : undefined;
}

function httpReason(status: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 426: 'Upgrade Required', 429: 'Too Many Requests', 503: 'Service Unavailable', 507: 'Insufficient Storage' }[
      status
    ] ?? 'Error'
  );
}

// issue 12: `docker build .` in the home folder failed once any image was pulled (`error checking context:
// can't stat …/overlay2/…`): the rootless engine kept its data in ~/.local/share/docker, inside the build
// context. Katacoda scenarios always build in ~. The engine's data now lives outside the home, on the same
// session disk, so it still counts against the session's quota.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerEvent } from '@berth/shared';
import { useSessionTerminal } from '../helpers.js';

describe('docker build . in the home folder', () => {
  const ctx = useSessionTerminal({ BERTH_SESSION_DISK: '512m' });

  test('after a pull, docker build -t mine . in ~ builds with the home as context, and docker run --rm mine runs it', async () => {
    // A running container too: its overlay work folder is what the build's context walk could not stat.
    const running = await ctx.term.run('docker pull -q busybox && docker run -d --name sleeper busybox sleep 600', 60_000);
    assert.equal(running.exit, 0, running.output);
    const built = await ctx.term.run(
      "cd ~ && echo from-my-home > note.txt && printf 'FROM busybox\\nCOPY note.txt /note.txt\\nCMD [\"cat\", \"/note.txt\"]\\n' > Dockerfile && docker build -t mine . 2>&1",
      120_000,
    );
    assert.equal(built.exit, 0, built.output);
    assert.doesNotMatch(built.output, /error checking context|can't stat/);
    assert.match(built.output, /Successfully tagged mine:latest|naming to docker\.io\/library\/mine\b/);
    const ran = await ctx.term.run('docker run --rm mine');
    assert.equal(ran.exit, 0, ran.output);
    assert.match(ran.output, /^from-my-home$/m);
  });

  test('the engine keeps its data in /var/lib/docker: nothing of it is in ~', async () => {
    const root = await ctx.term.run('docker info --format "{{.DockerRootDir}}"');
    assert.match(root.output, /^\/var\/lib\/docker$/m);
    // The home holds the shell's files and what the learner wrote, nothing the engine stores.
    const home = (await ctx.term.run('ls -A ~')).output.trim().split(/\s+/);
    assert.ok(home.includes('Dockerfile') && home.includes('note.txt'), home.join(' '));
    assert.ok(!home.includes('.local') && !home.includes('lost+found'), home.join(' '));
    const engineFiles = await ctx.term.run('find ~ \\( -name overlay2 -o -name image -o -name containerd -o -name volumes \\) | wc -l');
    assert.match(engineFiles.output, /^0$/m);
    // Sizes in KiB: the home is a few files; the engine's folder holds busybox and the built image.
    const du = await ctx.term.run('du -sk ~ | cut -f1; du -sk /var/lib/docker 2>/dev/null | cut -f1');
    const [homeKib, engineKib] = du.output.trim().split('\n').map(Number);
    assert.ok(homeKib! < 512, `home holds ${homeKib} KiB: ${du.output}`);
    assert.ok(engineKib! > 1024, `the engine's folder holds ${engineKib} KiB: ${du.output}`);
  });

  test('the engine\'s data still fills the session\'s own disk: the quota message comes, and freeing it takes it back', async () => {
    // Both folders are on one file system (one disk, one quota).
    const fs = await ctx.term.run('stat -f -c %i ~ /var/lib/docker | uniq | wc -l; df --output=size -k ~ /var/lib/docker | tail -n +2 | uniq | wc -l');
    assert.deepEqual(fs.output.trim().split('\n').map((l) => l.trim()), ['1', '1'], fs.output);
    // A nested container's writable layer is engine data: write until the disk is full.
    const fill = await ctx.term.run('docker run --name filler busybox dd if=/dev/zero of=/fill bs=1M count=1024 2>&1 | head -1', 120_000);
    assert.match(fill.output, /No space left on device/);
    const full = await ctx.term.waitForEvent((e) => e.type === 'disk' && e.full, 10_000, 'disk full');
    assert.match((full as Extract<ServerEvent, { type: 'disk' }>).message ?? '', /used its 512 MB of disk.*docker system prune/);
    const homeKib = await ctx.term.run('du -sk ~ | cut -f1');
    assert.ok(Number(homeKib.output.trim()) < 512, `the fill is not in the home: ${homeKib.output}`);
    const freed = await ctx.term.run('docker rm filler');
    assert.equal(freed.exit, 0, freed.output);
    await ctx.term.waitForEvent((e) => e.type === 'disk' && !e.full && ctx.term.events.indexOf(e) > ctx.term.events.indexOf(full), 10_000, 'disk no longer full');
  });
});

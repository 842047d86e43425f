// Helpers for the Studio's end-to-end tests: a test clip made with ffmpeg, the app started from its built dll on a free
// loopback port, and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');

/** The built app: $STUDIO_DLL, else the Release build, else the Debug build. */
export function studioDll() {
  if (process.env.STUDIO_DLL) return process.env.STUDIO_DLL;
  for (const config of ['Release', 'Debug']) {
    const p = path.join(repoRoot, 'samples/DragVideo.Studio/bin', config, 'net10.0/DragVideo.Studio.dll');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('DragVideo.Studio.dll not found: build samples/DragVideo.Studio first (run.sh does).');
}

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const OPENCV_IMAGE = '/usr/share/doc/opencv-doc/examples/data/baboon.jpg';

/**
 * A small, visibly textured test clip: a 3-second camera pan over a photograph (OpenCV's sample data) or, when that
 * package is absent, ffmpeg's own test pattern. 12 fps, H.264.
 */
export function makeTestClip(dir) {
  const out = path.join(dir, 'pan.mp4');
  const input = fs.existsSync(OPENCV_IMAGE)
    ? ['-loop', '1', '-i', OPENCV_IMAGE, '-vf', "scale=512:512,crop=320:320:x='40+16*t':y='60+8*t',format=yuv420p"]
    : ['-f', 'lavfi', '-i', 'testsrc2=size=320x320:rate=12', '-vf', 'format=yuv420p'];
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...input, '-r', '12', '-t', '3',
    '-c:v', 'libx264', '-preset', 'ultrafast', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg could not make the test clip: ${r.error ?? r.stderr}`);
  return out;
}

/** Starts the app; resolves when /api/config answers. Returns { url, workDir, stop(), log() }. */
export async function startStudio(extraArgs = []) {
  const port = await freePort();
  const workDir = tempDir('studio-work-');
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn('dotnet', [studioDll(), '--urls', url, '--work-dir', workDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOTNET_NOLOGO: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the Studio exited early (${proc.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/config`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`the Studio did not start within 90 s:\n${output}`); }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    workDir,
    log: () => output,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium with the flags this machine needs (no sandbox as root, no background network). */
export async function launchBrowser() {
  const profile = tempDir('studio-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Clicks a canvas at frame-pixel coordinates (the canvas is scaled to its CSS box). */
export async function clickFrame(page, canvasId, x, y) {
  const canvas = page.locator(`#${canvasId}`);
  const box = await canvas.boundingBox();
  const size = await canvas.evaluate((c) => ({ w: c.width, h: c.height }));
  await canvas.click({ position: { x: (x + 0.5) * box.width / size.w, y: (y + 0.5) * box.height / size.h } });
}

/** Loads a clip through the page's upload control and waits until its frames are shown. */
export async function uploadClip(page, file, { kps = 6, maxFrames = 12, size = 256 } = {}) {
  await page.locator('#kps').fill(String(kps));
  await page.locator('#max-frames').fill(String(maxFrames));
  await page.locator('#size').selectOption(String(size));
  await page.locator('#file').setInputFiles(file);
  await page.locator('#upload').click();
  await page.waitForFunction(() => /frames, \d+×\d+/.test(document.getElementById('clip-info').textContent), null, { timeout: 60_000 });
}

/** Files (not folders) below a folder, relative paths. */
export function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)));
}

/** Loads a clip from the server's --videos folder through the page's picker. */
export async function pickClip(page, name, { kps = 6, maxFrames = 12, size = 256 } = {}) {
  await page.locator('#kps').fill(String(kps));
  await page.locator('#max-frames').fill(String(maxFrames));
  await page.locator('#size').selectOption(String(size));
  await page.locator('#library').selectOption(name);
  await page.locator('#load-library').click();
  await page.waitForFunction(() => /frames, \d+×\d+/.test(document.getElementById('clip-info').textContent), null, { timeout: 60_000 });
}

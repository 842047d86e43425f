// Takes docs/images/studio.png: the Studio after a real edit of the test clip (node screenshot.mjs [out.png]).
import path from 'node:path';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { clickFrame, launchBrowser, makeTestClip, repoRoot, startStudio, tempDir, uploadClip } from './lib/studio.mjs';

const out = process.argv[2] ?? path.join(repoRoot, 'docs/images/studio.png');
const clipDir = tempDir('studio-shot-');
const studio = await startStudio();
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1240, height: 900 });
  await page.goto(studio.url);
  await uploadClip(page, makeTestClip(clipDir));
  await clickFrame(page, 'canvas-start', 96, 128);
  await clickFrame(page, 'canvas-start', 120, 128);
  await clickFrame(page, 'canvas-end', 96, 128);
  await clickFrame(page, 'canvas-end', 120, 128);
  await page.locator('input[name=mode][value=positive]').check();
  const mask = page.waitForResponse((r) => r.url().includes('/mask'));
  await clickFrame(page, 'canvas-start', 100, 128);
  await mask;
  await page.locator('#propagate').click();
  await page.waitForFunction(() => document.getElementById('propagate-status').textContent.startsWith('Propagated'), null, { timeout: 60_000 });
  await page.locator('#frame-slider').fill('6');
  await page.locator('#run').click();
  await page.locator('#result').waitFor({ state: 'visible', timeout: 180_000 });
  await page.waitForFunction(() => document.getElementById('video-result').currentTime > 0.5, null, { timeout: 30_000 });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const raw = out + '.full.png';
  await page.screenshot({ path: raw, fullPage: true });
  // A 256-colour palette keeps the committed image small (the page is mostly flat colour; the frames dither well).
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', raw, '-vf',
    'split[a][b];[a]palettegen=max_colors=256[p];[b][p]paletteuse=dither=sierra2_4a', out]);
  if (r.status === 0) fs.rmSync(raw); else fs.renameSync(raw, out);
  console.log(`wrote ${out} (${fs.statSync(out).size} bytes)`);
} finally {
  await browser.close();
  await studio.stop();
  fs.rmSync(clipDir, { recursive: true, force: true });
}

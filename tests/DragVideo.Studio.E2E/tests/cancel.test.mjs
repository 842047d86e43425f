// Acceptance: a run can be cancelled; while it runs a second run in the same session gets 409 "busy"; a cancelled run
// leaves no files. The app is started with --step-delay-ms (a test-only pause after each editor step) so the fast
// backend's run lasts long enough to cancel. The clip is picked from the folder given with --videos.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { clickFrame, filesUnder, launchBrowser, makeTestClip, pickClip, startStudio, tempDir } from '../lib/studio.mjs';

let studio, browser, clipDir, clip;

before(async () => {
  clipDir = tempDir('studio-clip-');
  clip = makeTestClip(clipDir);
  studio = await startStudio(['--step-delay-ms', '400', '--videos', clipDir]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await studio?.stop();
  if (clipDir) fs.rmSync(clipDir, { recursive: true, force: true });
});

test('cancel stops a run, a second run meanwhile is refused as busy, and nothing is left on disk', { timeout: 180_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(studio.url);
  await pickClip(page, path.basename(clip), { maxFrames: 12 });
  await clickFrame(page, 'canvas-start', 96, 128);
  await clickFrame(page, 'canvas-start', 120, 128);

  await page.locator('#run').click();
  await page.waitForFunction(() => /^step [1-9]/.test(document.getElementById('progress-step').textContent), null, { timeout: 60_000 });
  assert.equal(await page.locator('#cancel').isEnabled(), true);

  // One run at a time per session: the same request again is answered 409 "busy".
  const second = await page.evaluate(async () => {
    const r = await fetch(`api/clips/${state.clip.id}/runs`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ keyframes: keyframes() }),
    });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(second.status, 409);
  assert.equal(second.body.error, 'busy');
  assert.match(second.body.message, /already in progress/);

  const runId = await page.evaluate(() => state.run.runId);
  await page.locator('#cancel').click();
  await page.waitForFunction(() => document.getElementById('progress-stage').textContent === 'Cancelled', null, { timeout: 30_000 });
  assert.equal(await page.locator('#result').isVisible(), false);
  assert.match(await page.locator('#run-status').textContent(), /cancelled/i);

  // No partial or final result files remain for the cancelled run.
  const runFiles = filesUnder(path.join(studio.workDir, 'clips')).filter((f) => f.split(path.sep).includes('runs'));
  assert.deepEqual(runFiles, []);
  const after = await page.evaluate(async (id) => ({
    run: await (await fetch(`api/runs/${id}`)).json(),
    result: (await fetch(`api/runs/${id}/edited.mp4`)).status,
  }), runId);
  assert.equal(after.run.status, 'cancelled');
  assert.equal(after.result, 404);

  // The session is free again: a new run is accepted.
  const third = await page.evaluate(async () => {
    const r = await fetch(`api/clips/${state.clip.id}/runs`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ keyframes: keyframes() }),
    });
    const body = await r.json();
    if (r.ok) await fetch(body.cancelUrl, { method: 'POST' });
    return r.status;
  });
  assert.equal(third, 202);
  await page.close();
});

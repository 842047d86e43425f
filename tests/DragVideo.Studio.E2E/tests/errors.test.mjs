// Acceptance: uploading something that is not a video gives a clear error in the page (HTTP 400 with a JSON message),
// and the uploaded name never becomes a path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { filesUnder, launchBrowser, startStudio } from '../lib/studio.mjs';

let studio, browser;

before(async () => {
  studio = await startStudio(['--max-upload-mb', '1']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await studio?.stop();
});

test('uploading a non-video shows a clear error and leaves no file behind', { timeout: 120_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(studio.url);
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/clips') && r.request().method() === 'POST');
  await page.locator('#file').setInputFiles({
    name: '../../escape-attempt.mp4',
    mimeType: 'video/mp4',
    buffer: Buffer.from('this is a text file, not a video\n'.repeat(40)),
  });
  await page.locator('#upload').click();
  const res = await answer;
  assert.equal(res.status(), 400);
  const body = await res.json();
  assert.equal(body.error, 'invalid-media');

  await page.locator('#error').waitFor({ state: 'visible' });
  const shown = await page.locator('#error-text').textContent();
  assert.equal(shown, body.message, 'the page shows the server\'s message');
  assert.ok(shown.length > 10);
  assert.equal(await page.locator('#clip-info').textContent(), 'No video loaded.');

  assert.deepEqual(filesUnder(studio.workDir), [], 'the upload was removed');
  assert.equal(filesUnder(path.resolve(studio.workDir, '..')).some((f) => f.endsWith('escape-attempt.mp4')), false);
  await page.close();
});

test('an upload over the size limit is refused with 413 and a message naming the limit', { timeout: 60_000 }, async () => {
  const form = new FormData();
  form.append('video', new Blob([Buffer.alloc(3 * 1024 * 1024, 7)], { type: 'video/mp4' }), 'big.mp4');
  const res = await fetch(`${studio.url}/api/clips`, { method: 'POST', body: form });
  assert.equal(res.status, 413);
  const body = await res.json();
  assert.equal(body.error, 'too-large');
  assert.match(body.message, /1 MiB/);
});

test('bad requests get JSON errors naming the field', { timeout: 60_000 }, async () => {
  const res = await fetch(`${studio.url}/api/clips/0123456789abcdef/runs`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"keyframes": []}',
  });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error, 'not-found');

  const bad = await fetch(`${studio.url}/api/clips/library`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{ not json',
  });
  assert.equal(bad.status, 400);
  assert.ok((await bad.json()).message.length > 0);

  const cross = await fetch(`${studio.url}/api/clips/library`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' }, body: '{}',
  });
  assert.equal(cross.status, 403);
});

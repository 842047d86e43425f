// DragVideo Studio page: plain JS, no dependencies. Talks to /api (JSON; errors are { error, message, field }).
'use strict';

const $ = (id) => document.getElementById(id);
const KEYS = ['start', 'end'];
const METRIC_LABELS = {
  dragDistance: ['drag distance (handle content → target)', 'px'],
  dragDistanceBefore: ['drag distance before the edit', 'px'],
  psnrOutsideMask: ['PSNR outside the mask', 'dB'],
  maeOutsideMask: ['mean abs. error outside the mask', ''],
  temporalFlow: ['temporal consistency: mean max flow (edited)', 'px'],
  temporalFlowOriginal: ['temporal consistency: mean max flow (original)', 'px'],
  warpError: ['warp error', ''],
};

const state = {
  config: null,
  clip: null,
  frames: {},          // key → { index, img, points: [], positive: [], negative: [], maskImg }
  history: [],         // undo stack of { key, kind }
  propagated: null,    // { frames: [{ frame, pairs, visible }] }
  viewImg: null,
  run: null,           // { runId, events: EventSource }
};

function resetFrames() {
  for (const k of KEYS) state.frames[k] = { index: 0, img: null, points: [], positive: [], negative: [], maskImg: null };
  state.history = [];
  state.propagated = null;
}
resetFrames();

// ---------- errors and API ----------
function showError(message) {
  $('error-text').textContent = message;
  $('error').hidden = false;
}
function clearError() { $('error').hidden = true; $('error-text').textContent = ''; }
$('error-close').addEventListener('click', clearError);

async function api(url, options = {}) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', ...options });
  } catch (e) {
    throw new Error('The Studio server cannot be reached (' + e.message + ').');
  }
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    const err = new Error(body && body.message ? body.message : `Request failed with HTTP ${res.status}.`);
    err.status = res.status; err.code = body && body.error; err.field = body && body.field;
    throw err;
  }
  return res;
}
const postJson = (url, body) => api(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function num(id) { return Number($(id).value); }

// ---------- step 1: loading ----------
async function init() {
  try {
    state.config = await (await api('api/config')).json();
  } catch (e) { showError(e.message); return; }
  const c = state.config;
  $('backend').textContent = c.backend === 'diffusion' ? 'diffusion editor' : 'fast weight-free backend';
  $('lora-note').textContent = c.backend === 'diffusion' ? '' : '(used by the diffusion editor; this server runs the fast backend)';
  const d = c.defaults;
  $('kps').value = d.load.kps; $('max-frames').value = d.load.maxFrames; $('size').value = String(d.load.size);
  $('prompt').value = d.prompt;
  const p = d.parameters;
  $('pixel-steps').value = p.pixelSteps; $('lambda').value = p.lambda; $('inversion').value = p.inversionStrength;
  $('deform').value = p.deform ?? 'stretch';
  $('latent-lr').value = p.latentLr; $('radius').value = p.radius; $('radius-value').textContent = p.radius;
  $('lora-steps').value = p.loraSteps; $('lora-lr').value = p.loraLr; $('lora-rank').value = p.loraRank; $('lora-batch').value = p.loraBatch;
  if (c.library) {
    const items = await (await api('api/library')).json();
    const sel = $('library');
    sel.replaceChildren(...items.map((it) => { const o = document.createElement('option'); o.value = it.name; o.textContent = it.name; return o; }));
    for (const id of ['library', 'load-library', 'library-or']) $(id).hidden = items.length === 0;
  }
}

function loadSettings() { return { kps: num('kps'), maxFrames: num('max-frames'), size: num('size') }; }

function setBusy(busy, label) {
  for (const id of ['upload', 'load-library']) $(id).disabled = busy;
  $('clip-info').textContent = label ?? $('clip-info').textContent;
}

$('upload').addEventListener('click', async () => {
  clearError();
  const f = $('file').files[0];
  if (!f) { showError('Choose a video file first.'); return; }
  if (state.config && f.size > state.config.maxUploadBytes) {
    showError(`The file is ${(f.size / 1048576).toFixed(1)} MiB; this server accepts up to ${(state.config.maxUploadBytes / 1048576).toFixed(0)} MiB.`);
    return;
  }
  const form = new FormData();
  form.append('video', f);
  const s = loadSettings();
  for (const k of Object.keys(s)) form.append(k, String(s[k]));
  setBusy(true, `Loading ${f.name}…`);
  try {
    const clip = await (await api('api/clips', { method: 'POST', body: form })).json();
    await useClip(clip);
  } catch (e) {
    showError(e.message);
    $('clip-info').textContent = state.clip ? describeClip(state.clip) : 'No video loaded.';
  } finally { setBusy(false); }
});

$('load-library').addEventListener('click', async () => {
  clearError();
  const name = $('library').value;
  setBusy(true, `Loading ${name}…`);
  try {
    const clip = await (await postJson('api/clips/library', { name, ...loadSettings() })).json();
    await useClip(clip);
  } catch (e) {
    showError(e.message);
    $('clip-info').textContent = state.clip ? describeClip(state.clip) : 'No video loaded.';
  } finally { setBusy(false); }
});

function describeClip(c) {
  return `${c.name}: ${c.frames} frames, ${c.width}×${c.height}, ${c.fps.toFixed(2)} fps.`;
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('Could not load ' + url));
    img.src = url;
  });
}

async function useClip(clip) {
  state.clip = clip;
  resetFrames();
  state.frames.start.index = 0;
  state.frames.end.index = clip.frames - 1;
  for (const id of ['canvas-start', 'canvas-end', 'canvas-view']) { $(id).width = clip.width; $(id).height = clip.height; }
  $('start-label').textContent = '(frame 0)';
  $('end-label').textContent = `(frame ${clip.frames - 1})`;
  $('frame-slider').max = String(clip.frames - 1);
  $('frame-slider').value = '0';
  $('preview-box').hidden = true;
  $('result').hidden = true;
  $('clip-info').textContent = describeClip(clip);
  for (const k of KEYS) state.frames[k].img = await loadImage(`api/clips/${clip.id}/frames/${state.frames[k].index}`);
  await showViewFrame(0);
  redrawAll();
  updateButtons();
}

// ---------- step 2: points and masks ----------
function mode() { return document.querySelector('input[name=mode]:checked').value; }

function canvasPoint(canvas, ev) {
  const r = canvas.getBoundingClientRect();
  const x = (ev.clientX - r.left) * canvas.width / r.width;
  const y = (ev.clientY - r.top) * canvas.height / r.height;
  const clamp = (v, hi) => Math.min(Math.max(v, 0), hi);
  return { x: Math.round(clamp(x, canvas.width - 1) * 10) / 10, y: Math.round(clamp(y, canvas.height - 1) * 10) / 10 };
}

for (const key of KEYS) {
  $(`canvas-${key}`).addEventListener('click', async (ev) => {
    if (!state.clip) return;
    const p = canvasPoint(ev.currentTarget, ev);
    const f = state.frames[key];
    const m = mode();
    if (m === 'points') f.points.push(p);
    else (m === 'positive' ? f.positive : f.negative).push(p);
    state.history.push({ key, kind: m });
    state.propagated = null;
    redraw(key);
    updateButtons();
    if (m !== 'points') await refreshMask(key);
  });
}

async function refreshMask(key) {
  const f = state.frames[key];
  if (f.positive.length === 0) { f.maskImg = null; redraw(key); return; }
  try {
    const res = await postJson(`api/clips/${state.clip.id}/mask`, {
      frame: f.index, positive: f.positive, negative: f.negative, radius: num('radius'),
    });
    const url = URL.createObjectURL(await res.blob());
    f.maskImg = await loadImage(url);
    URL.revokeObjectURL(url);
  } catch (e) { showError(e.message); }
  redraw(key);
}

$('radius').addEventListener('input', () => { $('radius-value').textContent = $('radius').value; });
$('radius').addEventListener('change', async () => { for (const k of KEYS) await refreshMask(k); });

$('undo').addEventListener('click', async () => {
  const last = state.history.pop();
  if (!last) return;
  const f = state.frames[last.key];
  ({ points: f.points, positive: f.positive, negative: f.negative })[last.kind === 'points' ? 'points' : last.kind].pop();
  state.propagated = null;
  redraw(last.key);
  updateButtons();
  if (last.kind !== 'points') await refreshMask(last.key);
});

$('clear').addEventListener('click', () => {
  for (const k of KEYS) Object.assign(state.frames[k], { points: [], positive: [], negative: [], maskImg: null });
  state.history = [];
  state.propagated = null;
  redrawAll();
  updateButtons();
});

function pairsOf(f) {
  const pairs = [];
  for (let i = 0; i + 1 < f.points.length; i += 2) pairs.push({ handle: f.points[i], target: f.points[i + 1] });
  return pairs;
}

function drawArrow(ctx, a, b, scale) {
  ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.lineWidth = 2 * scale;
  ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
  const ang = Math.atan2(b.y - a.y, b.x - a.x), h = 7 * scale;
  ctx.beginPath();
  ctx.moveTo(b.x, b.y);
  ctx.lineTo(b.x - h * Math.cos(ang - 0.45), b.y - h * Math.sin(ang - 0.45));
  ctx.lineTo(b.x - h * Math.cos(ang + 0.45), b.y - h * Math.sin(ang + 0.45));
  ctx.closePath(); ctx.fillStyle = 'rgba(255,255,255,0.9)'; ctx.fill();
}
function dot(ctx, p, color, scale) {
  ctx.beginPath(); ctx.arc(p.x, p.y, 4 * scale, 0, Math.PI * 2);
  ctx.fillStyle = color; ctx.fill(); ctx.lineWidth = 1.5 * scale; ctx.strokeStyle = '#fff'; ctx.stroke();
}
function sign(ctx, p, positive, scale) {
  const s = 4 * scale;
  ctx.strokeStyle = positive ? '#23d18b' : '#ff5c5c'; ctx.lineWidth = 2.5 * scale;
  ctx.beginPath(); ctx.moveTo(p.x - s, p.y); ctx.lineTo(p.x + s, p.y);
  if (positive) { ctx.moveTo(p.x, p.y - s); ctx.lineTo(p.x, p.y + s); }
  ctx.stroke();
}
function drawPairs(ctx, pairs, scale, visible) {
  pairs.forEach((p, i) => {
    drawArrow(ctx, p.handle, p.target, scale);
    dot(ctx, p.handle, visible && visible[i] === false ? '#999' : '#e23b3b', scale);
    dot(ctx, p.target, '#2f6fdf', scale);
  });
}

function redraw(key) {
  const f = state.frames[key];
  const canvas = $(`canvas-${key}`);
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (f.img) ctx.drawImage(f.img, 0, 0, canvas.width, canvas.height);
  if (f.maskImg) ctx.drawImage(f.maskImg, 0, 0, canvas.width, canvas.height);
  const scale = Math.max(canvas.width / 256, 0.6);
  drawPairs(ctx, pairsOf(f), scale);
  if (f.points.length % 2 === 1) dot(ctx, f.points[f.points.length - 1], '#e23b3b', scale);
  for (const p of f.positive) sign(ctx, p, true, scale);
  for (const p of f.negative) sign(ctx, p, false, scale);
  const n = pairsOf(f).length;
  $(`${key}-count`).textContent = `${n} pair${n === 1 ? '' : 's'}${f.points.length % 2 ? ' + handle' : ''}` +
    (f.positive.length ? ' · mask' : '');
}
function redrawAll() { for (const k of KEYS) redraw(k); redrawView(); }

async function showViewFrame(i) {
  $('view-index').textContent = String(i);
  if (!state.clip) return;
  state.viewImg = await loadImage(`api/clips/${state.clip.id}/frames/${i}`);
  redrawView();
}
function redrawView() {
  const canvas = $('canvas-view');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (state.viewImg) ctx.drawImage(state.viewImg, 0, 0, canvas.width, canvas.height);
  const i = Number($('frame-slider').value);
  if (state.propagated) {
    const fr = state.propagated.frames.find((x) => x.frame === i);
    if (fr) drawPairs(ctx, fr.pairs, Math.max(canvas.width / 256, 0.6), fr.visible);
  }
}
$('frame-slider').addEventListener('input', () => showViewFrame(Number($('frame-slider').value)).catch((e) => showError(e.message)));

function keyframes() {
  const list = [];
  for (const k of KEYS) {
    const f = state.frames[k];
    const pairs = pairsOf(f);
    if (pairs.length === 0) continue;
    list.push({ frame: f.index, pairs, mask: f.positive.length ? { positive: f.positive, negative: f.negative } : null });
  }
  return list;
}

function checkInstruction() {
  const s = pairsOf(state.frames.start).length, e = pairsOf(state.frames.end).length;
  if (s === 0 && e === 0) return 'Click a handle and then its target on the start (and end) frame.';
  if (s > 0 && e > 0 && s !== e) return `The start frame has ${s} pair(s) and the end frame ${e}; pairs are matched in order, so add the same number to both.`;
  return null;
}

function updateButtons() {
  const hasClip = !!state.clip;
  const running = !!state.run;
  const ready = hasClip && checkInstruction() === null;
  $('undo').disabled = !hasClip || state.history.length === 0 || running;
  $('clear').disabled = !hasClip || state.history.length === 0 || running;
  $('propagate').disabled = !ready || running;
  $('run').disabled = !ready || running;
  $('cancel').disabled = !running;
}

$('propagate').addEventListener('click', async () => {
  clearError();
  const problem = checkInstruction();
  if (problem) { showError(problem); return; }
  $('propagate').disabled = true;
  $('propagate-status').textContent = 'Propagating…';
  try {
    const res = await (await postJson(`api/clips/${state.clip.id}/propagate`, { keyframes: keyframes(), radius: num('radius') })).json();
    state.propagated = res;
    $('preview-box').hidden = false;
    $('preview').src = res.previewUrl;
    $('preview').play().catch(() => {});
    $('propagate-status').textContent = `Propagated to ${res.frames.length} frames; mean drag ${res.meanDragLength.toFixed(1)} px.`;
    redrawView();
  } catch (e) {
    showError(e.message);
    $('propagate-status').textContent = '';
  } finally { updateButtons(); }
});

// ---------- run ----------
function runParams() {
  return {
    pixelSteps: num('pixel-steps'), lambda: num('lambda'), inversionStrength: num('inversion'), latentLr: num('latent-lr'),
    radius: num('radius'), deform: $('deform').value, loraSteps: num('lora-steps'), loraLr: num('lora-lr'), loraRank: num('lora-rank'), loraBatch: num('lora-batch'),
  };
}

function setProgress(p) {
  $('progress').value = p.fraction ?? 0;
  $('progress-stage').textContent = p.stage;
  $('progress-step').textContent = p.totalSteps > 0 ? `step ${p.step}/${p.totalSteps}` : '';
  if (p.distance !== null && p.distance !== undefined) $('progress-distance').textContent = p.distance.toFixed(2);
  if (p.message) $('run-status').textContent = p.message;
}

function endRun(status) {
  if (state.run && state.run.events) state.run.events.close();
  state.run = null;
  if (status) $('run-status').textContent = status;
  updateButtons();
}

$('run').addEventListener('click', async () => {
  clearError();
  const problem = checkInstruction();
  if (problem) { showError(problem); return; }
  $('run').disabled = true;
  $('result').hidden = true;
  $('run-notes').hidden = true;
  $('progress').value = 0; $('progress-stage').textContent = 'Starting'; $('progress-step').textContent = '';
  $('progress-distance').textContent = '–';
  let started;
  try {
    started = await (await postJson(`api/clips/${state.clip.id}/runs`, {
      keyframes: keyframes(), prompt: $('prompt').value, params: runParams(),
    })).json();
  } catch (e) {
    showError(e.message);
    $('progress-stage').textContent = '';
    updateButtons();
    return;
  }
  const events = new EventSource(started.eventsUrl);
  state.run = { runId: started.runId, cancelUrl: started.cancelUrl, events };
  $('run-status').textContent = `Running on the ${started.backend} backend…`;
  updateButtons();
  events.addEventListener('progress', (ev) => setProgress(JSON.parse(ev.data)));
  events.addEventListener('done', (ev) => { endRun(); $('progress-stage').textContent = 'Completed'; showResult(JSON.parse(ev.data)); });
  events.addEventListener('failed', (ev) => { const d = JSON.parse(ev.data); showError(d.message); endRun('Failed.'); $('progress-stage').textContent = 'Failed'; });
  events.addEventListener('cancelled', (ev) => { endRun(JSON.parse(ev.data).message); $('progress-stage').textContent = 'Cancelled'; });
  events.onerror = () => {
    // EventSource reconnects by itself while the server is up; when the run is already over the stream just ends.
    if (events.readyState === EventSource.CLOSED && state.run) endRun('Lost the connection to the server.');
  };
});

$('cancel').addEventListener('click', async () => {
  if (!state.run) return;
  $('cancel').disabled = true;
  $('run-status').textContent = 'Cancelling…';
  try { await api(state.run.cancelUrl, { method: 'POST' }); } catch (e) { showError(e.message); }
});

function fmt(v) { return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(2); }

function showResult(d) {
  $('result').hidden = false;
  $('video-original').src = d.originalUrl;
  $('video-result').src = d.resultUrl;
  $('download').href = d.resultUrl;
  $('download-side').href = d.sideBySideUrl;
  $('result-backend').textContent = `(${d.backend})`;
  const body = $('metrics').tBodies[0];
  body.replaceChildren();
  for (const [name, value] of Object.entries(d.metrics)) {
    const [label, unit] = METRIC_LABELS[name] ?? [name, ''];
    const tr = document.createElement('tr');
    const th = document.createElement('th'); th.textContent = label;
    const td = document.createElement('td');
    const out = document.createElement('output');
    out.id = 'metric-' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    out.textContent = fmt(value);
    td.append(out, unit ? ' ' + unit : '');
    tr.append(th, td);
    body.append(tr);
  }
  const notes = $('run-notes');
  notes.replaceChildren(...(d.notes ?? []).map((n) => { const li = document.createElement('li'); li.textContent = n; return li; }));
  notes.hidden = !(d.notes && d.notes.length);
  const secs = Object.values(d.stageSeconds).reduce((a, b) => a + b, 0);
  $('run-status').textContent = `Done in ${secs.toFixed(1)} s.`;
  playBoth();
}

function playBoth() {
  const a = $('video-original'), b = $('video-result');
  a.currentTime = 0; b.currentTime = 0;
  a.play().catch(() => {}); b.play().catch(() => {});
}
$('play-both').addEventListener('click', playBoth);

init();

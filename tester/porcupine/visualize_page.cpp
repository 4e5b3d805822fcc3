// The picture's style and drawing script (see visualize.hpp). Plain CSS and JavaScript,
// no libraries, no network: the page must open from a test's output directory anywhere.
//
// Drawing, in short: every distinct (time, call-or-return) gets a slot on the x axis,
// slots in time order with a return slot just after the call slot of the same time
// (equal timestamps nudged apart, calls first as in the checker); each slot sits far
// enough right that every box ending there fits its label (time warped so labels fit).
// Linearization points (LPs) are drawn for one partial linearization per partition: by
// default the longest; while an operation is hovered (or pinned), the longest one that
// contains it.
namespace porcupine::detail {

extern const char kPageStyle[] = R"CSS(
body { font-family: sans-serif; margin: 0; color: #222; background: #fff; }
header { position: sticky; left: 0; padding: 8px 14px; border-bottom: 1px solid #ccc;
         background: #fafafa; }
h1 { font-size: 20px; margin: 0 12px 0 0; display: inline-block; }
#summary { display: inline-block; margin: 0; font-size: 14px; }
#summary .Illegal, .ptitle.Illegal { fill: #c62828; color: #c62828; }
#summary .Ok, .ptitle.Ok { fill: #2e7d32; color: #2e7d32; }
#summary .Unknown, .ptitle.Unknown { fill: #e65100; color: #e65100; }
.legend { display: flex; align-items: center; gap: 18px; margin-top: 6px; font-size: 13px; }
.legend .axes line, .legend .axes path { stroke: #555; fill: none; stroke-width: 1.5; }
.legend .axes text { font-size: 11px; fill: #333; }
.legend .key { display: inline-flex; align-items: center; gap: 4px; }
.legend .hint { color: #777; }
#jump { color: #c62828; text-decoration: none; font-family: monospace; }
#jump.none { color: #999; pointer-events: none; }
main { padding: 10px 14px 40px 14px; }
svg.history text { font-family: monospace; font-size: 12px; }
.ptitle { font-family: sans-serif !important; font-size: 13px !important; font-weight: bold; }
.client { fill: #555; }
.rowline { stroke: #eee; }
g.op rect { fill: #e3ecf7; stroke: #7a9cc6; stroke-width: 1; }
g.op text { fill: #1a2a40; pointer-events: none; }
g.op:hover rect, g.op.selected rect { fill: #c9dbf2; stroke: #2f5f9e; }
g.op.in-partial rect { fill: #dcefdc; stroke: #6aa56a; }
g.op.invalid-op rect { fill: #fbe0e0; stroke: #c62828; stroke-width: 2; }
g.op.pinned rect { stroke: #000; stroke-width: 2; }
.lp-valid { stroke: #888; stroke-width: 3; }
.lp-invalid { stroke: #d32f2f; stroke-width: 3; }
.lp-path { stroke: #999; stroke-width: 1; stroke-dasharray: 3 3; fill: none; }
#tooltip { position: fixed; max-width: 560px; background: #fffff4; border: 1px solid #999;
           box-shadow: 2px 2px 6px rgba(0,0,0,0.2); padding: 6px 9px; font-size: 12px;
           font-family: monospace; white-space: pre-wrap; word-break: break-all;
           pointer-events: none; z-index: 10; }
#tooltip b { font-family: sans-serif; }
#tooltip .bad { color: #c62828; font-weight: bold; }
)CSS";

extern const char kPageScript[] = R"JS(
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('porcupine-data').textContent);
  var CHAR_W = 7.3, PAD = 8, MAX_CHARS = 44, GAP = 10, NUDGE = 4;
  var LEFT = 96, BOX_H = 20, ROW_H = 28, TITLE_H = 30, PART_GAP = 16;

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c];
    });
  }
  function shortLabel(s) {
    return s.length > MAX_CHARS ? s.slice(0, MAX_CHARS - 1) + '\u2026' : s;
  }

  // --- Time warp: one x per (time, kind) slot, shared by all partitions. ---
  var keys = [];
  data.partitions.forEach(function (p) {
    p.ops.forEach(function (op) { keys.push([op.start, 0]); keys.push([op.end, 1]); });
  });
  keys.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
  var slotTime = [], slotKind = [], slotOf = new Map();
  keys.forEach(function (k) {
    var id = k[0] + ':' + k[1];
    if (!slotOf.has(id)) { slotOf.set(id, slotTime.length); slotTime.push(k[0]); slotKind.push(k[1]); }
  });
  var endingAt = slotTime.map(function () { return []; });
  data.partitions.forEach(function (p) {
    p.ops.forEach(function (op) {
      op.s = slotOf.get(op.start + ':0');
      op.e = slotOf.get(op.end + ':1');
      op.label = shortLabel(op.description);
      op.width = op.label.length * CHAR_W + 2 * PAD;
      endingAt[op.e].push(op);
    });
  });
  var x = new Array(slotTime.length);
  for (var s = 0; s < slotTime.length; s++) {
    x[s] = s === 0 ? LEFT : x[s - 1] + (slotTime[s] === slotTime[s - 1] ? NUDGE : GAP);
    endingAt[s].forEach(function (op) { x[s] = Math.max(x[s], x[op.s] + op.width); });
  }
  var t0 = slotTime.length ? slotTime[0] : 0;
  var width = (slotTime.length ? x[slotTime.length - 1] : LEFT) + 40;

  // --- Layout: a block per partition, a row per client. ---
  var y = 0, svg = [];
  data.partitions.forEach(function (p, pi) {
    var clients = Array.from(new Set(p.ops.map(function (op) { return op.client; })));
    clients.sort(function (a, b) { return a - b; });
    var rowOf = new Map();
    clients.forEach(function (c, i) { rowOf.set(c, i); });
    p.top = y;
    var bad = p.result === 'Illegal' ? ', not linearizable' : p.result === 'Unknown' ? ', undecided (time budget)' : '';
    svg.push('<text class="ptitle ' + esc(p.result) + '" x="4" y="' + (y + 18) + '">' +
             esc(p.title) + ' \u2014 ' + p.ops.length + ' operations \u2014 ' + esc(p.result) +
             esc(bad) + '</text>');
    y += TITLE_H;
    clients.forEach(function (c, i) {
      var ry = y + i * ROW_H;
      svg.push('<line class="rowline" x1="0" x2="' + width + '" y1="' + (ry + ROW_H - 3) +
               '" y2="' + (ry + ROW_H - 3) + '"/>');
      svg.push('<text class="client" x="4" y="' + (ry + 15) + '">client ' + c + '</text>');
    });
    p.ops.forEach(function (op, oi) {
      op.y = y + rowOf.get(op.client) * ROW_H;
      var w = Math.max(x[op.e] - x[op.s], 2);
      svg.push('<g class="op" id="op-' + pi + '-' + oi + '" data-p="' + pi + '" data-o="' + oi + '">' +
               '<rect x="' + x[op.s] + '" y="' + op.y + '" width="' + w + '" height="' + BOX_H +
               '" rx="3"/><text x="' + (x[op.s] + PAD) + '" y="' + (op.y + 14) + '">' +
               esc(op.label) + '</text></g>');
    });
    svg.push('<g class="lps" id="lps-' + pi + '"></g>');
    y += clients.length * ROW_H + PART_GAP;
  });
  document.getElementById('canvas').innerHTML =
    '<svg class="history" width="' + width + '" height="' + (y + 10) + '">' + svg.join('') + '</svg>';

  // --- Linearization points of one partial linearization. ---
  function lpPositions(p, partial) {
    var last = -Infinity, out = [];
    partial.steps.forEach(function (step) {
      var op = p.ops[step.op];
      var at = Math.min(Math.max(last + 2, x[op.s] + 2), x[op.e] - 2);
      out.push(at);
      last = at;
    });
    var invalidAt = null;
    if (partial.invalid >= 0) {
      var bad = p.ops[partial.invalid];
      invalidAt = Math.min(Math.max(last + 2, x[bad.s] + 2), x[bad.e] - 2);
    }
    return { steps: out, invalid: invalidAt };
  }
  function setClass(pi, oi, cls, on) {
    var el = document.getElementById('op-' + pi + '-' + oi);
    if (el) el.classList.toggle(cls, on);
  }
  function showPartial(pi, k) {
    var p = data.partitions[pi];
    if (p.shown !== undefined && p.shown >= 0) {
      p.partials[p.shown].steps.forEach(function (st) { setClass(pi, st.op, 'in-partial', false); });
      if (p.partials[p.shown].invalid >= 0) setClass(pi, p.partials[p.shown].invalid, 'invalid-op', false);
    }
    p.shown = k;
    var layer = document.getElementById('lps-' + pi);
    if (k < 0 || k >= p.partials.length) { layer.innerHTML = ''; return; }
    var partial = p.partials[k], pos = lpPositions(p, partial), marks = [], path = [];
    partial.steps.forEach(function (st, i) {
      var op = p.ops[st.op];
      marks.push('<line class="lp-valid" x1="' + pos.steps[i] + '" x2="' + pos.steps[i] + '" y1="' +
                 (op.y - 3) + '" y2="' + (op.y + BOX_H + 3) + '"/>');
      path.push(pos.steps[i] + ',' + (op.y + BOX_H + 2));
      setClass(pi, st.op, 'in-partial', true);
    });
    if (partial.invalid >= 0) {
      var bad = p.ops[partial.invalid];
      marks.push('<line class="lp-invalid" x1="' + pos.invalid + '" x2="' + pos.invalid + '" y1="' +
                 (bad.y - 3) + '" y2="' + (bad.y + BOX_H + 3) + '"/>');
      path.push(pos.invalid + ',' + (bad.y + BOX_H + 2));
      setClass(pi, partial.invalid, 'invalid-op', true);
    }
    layer.innerHTML = (path.length > 1 ? '<polyline class="lp-path" points="' + path.join(' ') + '"/>' : '') +
                      marks.join('');
  }
  function showDefaults() {
    data.partitions.forEach(function (p, pi) { showPartial(pi, p.partials.length ? 0 : -1); });
  }

  // --- Details of one operation. ---
  var tooltip = document.getElementById('tooltip');
  function ms(t) { return ((t - t0) / 1e6).toFixed(3) + ' ms'; }
  function details(pi, oi) {
    var p = data.partitions[pi], op = p.ops[oi], k = p.largest[oi];
    var lines = ['<b>' + esc(op.description) + '</b>',
                 esc(p.title) + ', client ' + op.client,
                 'call ' + ms(op.start) + ', return ' + ms(op.end) +
                 '  (raw ' + op.start + ' .. ' + op.end + ')'];
    if (k === undefined || k < 0) {
      lines.push('in no partial linearization found');
      return lines.join('\n');
    }
    var partial = p.partials[k], at = -1;
    partial.steps.forEach(function (st, i) { if (st.op === oi) at = i; });
    if (at >= 0) {
      lines.push('previous state: ' + esc(at === 0 ? p.init : partial.steps[at - 1].state));
      lines.push('new state: ' + esc(partial.steps[at].state));
      lines.push('step ' + (at + 1) + ' of partial linearization ' + (k + 1) + '/' +
                 p.partials.length + ' (' + partial.steps.length + ' steps' +
                 (partial.invalid >= 0 ? ', cannot be extended' : ', complete') + ')');
    } else if (partial.invalid === oi) {
      var n = partial.steps.length;
      lines.push('previous state: ' + esc(n === 0 ? p.init : partial.steps[n - 1].state));
      lines.push('new state: <span class="bad">\u27e8invalid op\u27e9</span>');
      lines.push('cannot be linearized after the ' + n + ' steps of partial linearization ' +
                 (k + 1) + '/' + p.partials.length);
    }
    return lines.join('\n');
  }
  function placeTooltip(clientX, clientY) {
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    var left = Math.min(clientX + 14, window.innerWidth - w - 8);
    var top = clientY + 16 + h > window.innerHeight ? clientY - h - 10 : clientY + 16;
    tooltip.style.left = Math.max(4, left) + 'px';
    tooltip.style.top = Math.max(4, top) + 'px';
  }

  // --- Hover, click to pin. ---
  var pinned = null;
  function select(pi, oi, clientX, clientY) {
    var k = data.partitions[pi].largest[oi];
    showPartial(pi, k !== undefined ? k : -1);
    setClass(pi, oi, 'selected', true);
    tooltip.innerHTML = details(pi, oi);
    tooltip.hidden = false;
    placeTooltip(clientX, clientY);
  }
  function unselect(pi, oi) {
    setClass(pi, oi, 'selected', false);
    tooltip.hidden = true;
    showDefaults();
  }
  var canvas = document.getElementById('canvas');
  canvas.addEventListener('mouseover', function (ev) {
    var g = ev.target.closest && ev.target.closest('g.op');
    if (!g || pinned) return;
    select(+g.dataset.p, +g.dataset.o, ev.clientX, ev.clientY);
  });
  canvas.addEventListener('mouseout', function (ev) {
    var g = ev.target.closest && ev.target.closest('g.op');
    if (!g || pinned) return;
    unselect(+g.dataset.p, +g.dataset.o);
  });
  function unpin() {
    if (!pinned) return;
    setClass(pinned[0], pinned[1], 'pinned', false);
    var was = pinned;
    pinned = null;
    unselect(was[0], was[1]);
  }
  function pin(pi, oi, clientX, clientY) {
    unpin();
    select(pi, oi, clientX, clientY);
    pinned = [pi, oi];
    setClass(pi, oi, 'pinned', true);
  }
  canvas.addEventListener('click', function (ev) {
    var g = ev.target.closest && ev.target.closest('g.op');
    if (!g) { unpin(); return; }
    var pi = +g.dataset.p, oi = +g.dataset.o;
    if (pinned && pinned[0] === pi && pinned[1] === oi) { unpin(); return; }
    pin(pi, oi, ev.clientX, ev.clientY);
  });

  // --- Summary and the jump to the first error. ---
  var illegal = data.partitions.filter(function (p) { return p.result === 'Illegal'; }).length;
  var unknown = data.partitions.filter(function (p) { return p.result === 'Unknown'; }).length;
  var nOps = data.partitions.reduce(function (a, p) { return a + p.ops.length; }, 0);
  document.getElementById('summary').innerHTML =
    'history: <span class="' + esc(data.result) + '">' + esc(data.result) + '</span> \u2014 ' +
    nOps + ' operations in ' + data.partitions.length + ' partition' +
    (data.partitions.length === 1 ? '' : 's') +
    (illegal ? ', ' + illegal + ' not linearizable' : '') +
    (unknown ? ', ' + unknown + ' undecided' : '');
  var firstError = null;
  data.partitions.some(function (p, pi) {
    if (p.result !== 'Illegal') return false;
    return p.partials.some(function (partial) {
      if (partial.invalid < 0) return false;
      firstError = [pi, partial.invalid];
      return true;
    });
  });
  var jump = document.getElementById('jump');
  if (!firstError) {
    jump.classList.add('none');
    jump.textContent = '[ no error to jump to ]';
  }
  jump.addEventListener('click', function (ev) {
    ev.preventDefault();
    if (!firstError) return;
    var el = document.getElementById('op-' + firstError[0] + '-' + firstError[1]);
    el.scrollIntoView({ block: 'center', inline: 'center' });
    var r = el.getBoundingClientRect();
    pin(firstError[0], firstError[1], r.left + 10, r.bottom);
  });
  showDefaults();
  document.body.dataset.rendered = 'ok';
})();
)JS";

}  // namespace porcupine::detail

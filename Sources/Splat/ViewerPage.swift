/// The `splat view` page: one self-contained HTML file (no network access) with a WebGL2 splat renderer
/// written for this project. It reads the `.splat` layout (`SplatFile`: 32 bytes a Gaussian, position and
/// linear scale as f32, RGBA u8, quaternion w x y z u8), builds each 3D covariance once and keeps the
/// Gaussians in an integer texture (3 texels each), and draws one instanced quad per Gaussian: the vertex
/// shader projects the covariance with the EWA / 3DGS Jacobian (tangents clamped to 1.3x the half field
/// of view, 0.3 px^2 added to the diagonal, as `Rasterizer` does) and sizes the quad on the ellipse's axes
/// out to where alpha reaches 1/255 (3.33 sigma at most); the fragment shader evaluates
/// min(0.99, opacity exp(-0.5 d^T Sigma^-1 d)), drops alphas under 1/255 and blends premultiplied colour
/// back to front over the background (into a half-float target when the GPU has one), which is 3DGS's
/// front-to-back compositing. The back-to-front order comes from a Web Worker (inline source, started from
/// a Blob URL): a stable two-pass 16-bit LSD radix sort on the 32-bit float keys of the view depth, redone
/// whenever the view direction turns; the main thread draws with the latest order it has. Controls:
/// left-drag orbits (azimuth / elevation around the target), wheel or pinch zooms, right-drag, shift-drag
/// or two fingers pan, "reset view" or R returns to the initial camera, and with a mesh the "mesh" button
/// or M switches to the mesh (Lambert shading of its vertex colours, same camera). An overlay shows the
/// Gaussian count and frames per second.
///
/// `#camera=` + URL-encoded JSON `{"c2w": [16 floats, row-major camera-to-world, OpenGL convention],
/// "fx", "fy", "cx", "cy", "width", "height"}` in the URL renders that one camera instead (tests): a
/// W x H canvas and drawing buffer, no overlays, and once the sorted frame is drawn the title becomes
/// "rendered" and `<div id="rendered">` is added to the body. For tests the canvas also counts its redraws
/// and received sorts in `data-frames` and `data-sorts`, and `data-sorting` is "1" while a sort is pending
/// (Tools/viewer/check_viewer.py waits on them).
enum ViewerPage {
    /// The page; `SplatViewer` replaces the placeholders (see their list below).
    ///
    /// Placeholders, each once in the template:
    /// - `__SPLAT_BASE64__`: base64 of the `.splat` bytes.
    /// - `__MESH_BASE64__`: base64 of an optional mesh, empty when there is none. Little-endian: u32
    ///   vertex count V, u32 triangle count T, V x 3 f32 positions, V x 3 u8 sRGB colours, T x 3 u32
    ///   indices. When present the page offers the "mesh" toggle.
    /// - `__CAMERA_JSON__`: the initial orbit camera, `{"target": [x, y, z], "distance": d, "azimuth":
    ///   degrees, "elevation": degrees, "fov": vertical degrees}`; azimuth 0 looks from +z, 90 from +x,
    ///   elevation above the horizontal, world +y up (as `Camera.orbitPose`).
    /// - `__BACKGROUND__`: the clear colour as a JSON array `[r, g, b]` of floats 0...1.
    static let template = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Orbit splat viewer</title>
<link rel="icon" href="data:,">
<style>
html, body { margin: 0; height: 100%; overflow: hidden; background: #000; }
#view { position: fixed; left: 0; top: 0; width: 100vw; height: 100vh; display: block; touch-action: none; outline: none; }
#hud { position: fixed; left: 8px; top: 8px; padding: 6px 8px; border-radius: 6px; background: rgba(20, 20, 24, 0.72);
       color: #eee; font: 12px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; user-select: none; -webkit-user-select: none; }
#hud button { font: inherit; color: #eee; background: #3a3a44; border: 1px solid #5a5a66; border-radius: 4px;
              padding: 1px 8px; margin: 4px 4px 0 0; cursor: pointer; }
#hud button:hover { background: #4a4a56; }
#hud button[aria-pressed="true"] { background: #2f6fd0; border-color: #5b93e6; }
#help { color: #aaa; margin-top: 4px; }
#message { position: fixed; left: 50%; top: 40%; transform: translate(-50%, -50%); max-width: 80vw; padding: 12px 16px;
           border-radius: 6px; background: rgba(120, 20, 20, 0.9); color: #fff; font: 14px/1.4 system-ui, sans-serif; }
body.fixed #hud, body.fixed #message { display: none; }
</style>
</head>
<body>
<canvas id="view" tabindex="0"></canvas>
<div id="hud">
<div id="stats">loading…</div>
<div><button id="reset" type="button" title="Back to the initial view (R)">reset view</button><button id="mesh" type="button" aria-pressed="false" title="Show the mesh instead of the splats (M)" hidden>mesh</button></div>
<div id="help">drag: rotate · right/shift-drag: pan · wheel: zoom · R: reset</div>
</div>
<div id="message" hidden></div>
<script type="application/octet-stream" id="splat-data">__SPLAT_BASE64__</script>
<script type="application/octet-stream" id="mesh-data">__MESH_BASE64__</script>
<script type="application/json" id="camera-data">__CAMERA_JSON__</script>
<script type="text/plain" id="sort-worker">
"use strict";
// Back-to-front order of the Gaussians for a view direction: the depth d = p . forward as a 32-bit key
// (float bits mapped so unsigned order is numeric order), stably sorted ascending by two 16-bit
// counting passes (ties keep index order), then read backwards: farthest first, and of equal depths the
// lower index last (on top), as a front-to-back compositor that breaks ties by index would have it.
let positions = new Float32Array(0), count = 0;
let depths, keys, first, second;
const histogram = new Uint32Array(65536);

function countingPass(source, target, shift) {
  histogram.fill(0);
  for (let j = 0; j < count; j++) histogram[(keys[source[j]] >>> shift) & 0xffff]++;
  let sum = 0;
  for (let b = 0; b < 65536; b++) { const c = histogram[b]; histogram[b] = sum; sum += c; }
  for (let j = 0; j < count; j++) { const i = source[j]; target[histogram[(keys[i] >>> shift) & 0xffff]++] = i; }
}

onmessage = (event) => {
  const message = event.data;
  if (message.type === "positions") {
    positions = message.positions;
    count = Math.floor(positions.length / 3);
    depths = new Float32Array(count);
    keys = new Uint32Array(depths.buffer);
    first = new Uint32Array(count);
    second = new Uint32Array(count);
    return;
  }
  if (message.type !== "sort") return;
  const [fx, fy, fz] = message.forward;
  for (let i = 0; i < count; i++) depths[i] = fx * positions[3 * i] + fy * positions[3 * i + 1] + fz * positions[3 * i + 2];
  for (let i = 0; i < count; i++) {
    const k = keys[i];
    keys[i] = (k & 0x80000000) ? (~k >>> 0) : ((k | 0x80000000) >>> 0);
    first[i] = i;
  }
  countingPass(first, second, 0);
  countingPass(second, first, 16);
  const order = new Uint32Array(count);
  for (let j = 0; j < count; j++) order[j] = first[count - 1 - j];
  postMessage({ type: "order", id: message.id, forward: message.forward, order }, [order.buffer]);
};
</script>
<script>
"use strict";
(() => {
const BACKGROUND = __BACKGROUND__;
const ALPHA_MIN = 1 / 255;
const NEAR_PLANE = 0.01;

const canvas = document.getElementById("view");
const statsLine = document.getElementById("stats");
const messageBox = document.getElementById("message");
const resetButton = document.getElementById("reset");
const meshButton = document.getElementById("mesh");

// Failures only: shown on the page and logged as errors.
function showMessage(text) {
  console.error(text);
  messageBox.textContent = text;
  messageBox.hidden = false;
  statsLine.textContent = "";
}

// ---------- data ----------

function decodeBase64(text) {
  const clean = text.replace(/[^A-Za-z0-9+/=]/g, "");
  const out = new Uint8Array(Math.floor(clean.length / 4) * 3 + 3);
  let o = 0;
  const chunk = 1 << 20;  // a multiple of 4 characters
  for (let start = 0; start < clean.length; start += chunk) {
    const binary = atob(clean.slice(start, start + chunk));
    for (let j = 0; j < binary.length; j++) out[o++] = binary.charCodeAt(j);
  }
  return out.slice(0, o);
}

function readSplats(bytes) {
  const n = Math.floor(bytes.length / 32);
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, n * 8);
  const texWidth = Math.max(1, Math.min(4096, 3 * n));
  const texHeight = Math.max(1, Math.ceil(3 * n / texWidth));
  const words = new Uint32Array(texWidth * texHeight * 4);
  const wordFloats = new Float32Array(words.buffer);
  const positions = new Float32Array(3 * n);
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    const f = 8 * i, b = 32 * i, w = 12 * i;
    const x = floats[f], y = floats[f + 1], z = floats[f + 2];
    const sx = floats[f + 3], sy = floats[f + 4], sz = floats[f + 5];
    let qw = (bytes[b + 28] - 128) / 128, qx = (bytes[b + 29] - 128) / 128;
    let qy = (bytes[b + 30] - 128) / 128, qz = (bytes[b + 31] - 128) / 128;
    const qn = Math.hypot(qw, qx, qy, qz) || 1;
    qw /= qn; qx /= qn; qy /= qn; qz /= qn;
    // M = R(q) diag(s); Sigma = M M^T.
    const m00 = (1 - 2 * (qy * qy + qz * qz)) * sx, m01 = 2 * (qx * qy - qw * qz) * sy, m02 = 2 * (qx * qz + qw * qy) * sz;
    const m10 = 2 * (qx * qy + qw * qz) * sx, m11 = (1 - 2 * (qx * qx + qz * qz)) * sy, m12 = 2 * (qy * qz - qw * qx) * sz;
    const m20 = 2 * (qx * qz - qw * qy) * sx, m21 = 2 * (qy * qz + qw * qx) * sy, m22 = (1 - 2 * (qx * qx + qy * qy)) * sz;
    wordFloats[w] = x; wordFloats[w + 1] = y; wordFloats[w + 2] = z;
    words[w + 3] = (bytes[b + 24] | (bytes[b + 25] << 8) | (bytes[b + 26] << 16) | (bytes[b + 27] << 24)) >>> 0;
    wordFloats[w + 4] = m00 * m00 + m01 * m01 + m02 * m02;
    wordFloats[w + 5] = m00 * m10 + m01 * m11 + m02 * m12;
    wordFloats[w + 6] = m00 * m20 + m01 * m21 + m02 * m22;
    wordFloats[w + 7] = m10 * m10 + m11 * m11 + m12 * m12;
    wordFloats[w + 8] = m10 * m20 + m11 * m21 + m12 * m22;
    wordFloats[w + 9] = m20 * m20 + m21 * m21 + m22 * m22;
    positions[3 * i] = x; positions[3 * i + 1] = y; positions[3 * i + 2] = z;
    if (bytes[b + 27] > 0) {
      if (x < lo[0]) lo[0] = x; if (y < lo[1]) lo[1] = y; if (z < lo[2]) lo[2] = z;
      if (x > hi[0]) hi[0] = x; if (y > hi[1]) hi[1] = y; if (z > hi[2]) hi[2] = z;
    }
  }
  return { count: n, words, texWidth, texHeight, positions, lo, hi };
}

function readMesh(bytes) {
  if (bytes.length < 8) return null;
  const head = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const vertexCount = head.getUint32(0, true), triangleCount = head.getUint32(4, true);
  const need = 8 + vertexCount * 15 + triangleCount * 12;
  if (vertexCount === 0 || triangleCount === 0 || bytes.length < need) return null;
  const positions = new Float32Array(bytes.slice(8, 8 + 12 * vertexCount).buffer);
  const colours = bytes.slice(8 + 12 * vertexCount, 8 + 15 * vertexCount);
  const indices = new Uint32Array(bytes.slice(8 + 15 * vertexCount, need).buffer);
  for (let k = 0; k < indices.length; k++) if (indices[k] >= vertexCount) indices[k] = 0;
  // Area-weighted vertex normals.
  const normals = new Float32Array(3 * vertexCount);
  for (let t = 0; t < triangleCount; t++) {
    const a = 3 * indices[3 * t], b = 3 * indices[3 * t + 1], c = 3 * indices[3 * t + 2];
    const ux = positions[b] - positions[a], uy = positions[b + 1] - positions[a + 1], uz = positions[b + 2] - positions[a + 2];
    const vx = positions[c] - positions[a], vy = positions[c + 1] - positions[a + 1], vz = positions[c + 2] - positions[a + 2];
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    for (const v of [a, b, c]) { normals[v] += nx; normals[v + 1] += ny; normals[v + 2] += nz; }
  }
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let v = 0; v < vertexCount; v++) {
    for (let k = 0; k < 3; k++) {
      const p = positions[3 * v + k];
      if (p < lo[k]) lo[k] = p;
      if (p > hi[k]) hi[k] = p;
    }
  }
  return { vertexCount, triangleCount, positions, colours, indices, normals, lo, hi };
}

// ---------- cameras ----------
// A view is the OpenCV-convention camera the shaders use (x right, y down, z forward): rot (row-major
// world-to-camera 3x3), trans, intrinsics in drawing-buffer pixels and the buffer size.

function viewFromCameraToWorld(m, fx, fy, cx, cy, width, height) {
  // Columns of the OpenGL camera-to-world rotation are the camera's right, up and back axes.
  const rot = [m[0], m[4], m[8], -m[1], -m[5], -m[9], -m[2], -m[6], -m[10]];
  const c = [m[3], m[7], m[11]];
  const trans = [0, 1, 2].map((r) => -(rot[3 * r] * c[0] + rot[3 * r + 1] * c[1] + rot[3 * r + 2] * c[2]));
  return { rot, trans, fx, fy, cx, cy, width, height };
}

function cross(a, b) { return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]; }
function normalise(a) { const l = Math.hypot(a[0], a[1], a[2]) || 1; return [a[0] / l, a[1] / l, a[2] / l]; }

// Camera-to-world (row-major 4x4, OpenGL) on a sphere around the target, as Camera.orbitPose.
function orbitPose(orbit) {
  const e = orbit.elevation * Math.PI / 180, a = orbit.azimuth * Math.PI / 180;
  const back = [Math.cos(e) * Math.sin(a), Math.sin(e), Math.cos(e) * Math.cos(a)];
  const p = [0, 1, 2].map((k) => orbit.target[k] + orbit.distance * back[k]);
  let right = cross([0, 1, 0], back);
  if (right[0] * right[0] + right[1] * right[1] + right[2] * right[2] < 1e-12) right = cross([0, 0, orbit.elevation > 0 ? -1 : 1], back);
  right = normalise(right);
  const up = cross(back, right);
  return [right[0], up[0], back[0], p[0], right[1], up[1], back[1], p[1], right[2], up[2], back[2], p[2], 0, 0, 0, 1];
}

function parseFixedCamera() {
  const hash = location.hash;
  if (!hash.startsWith("#camera=")) return null;
  const c = JSON.parse(decodeURIComponent(hash.slice("#camera=".length)));
  if (!Array.isArray(c.c2w) || c.c2w.length !== 16) throw new Error("#camera= needs c2w: 16 numbers");
  const width = Math.max(1, Math.round(c.width)), height = Math.max(1, Math.round(c.height));
  return viewFromCameraToWorld(c.c2w.map(Number), +c.fx, +c.fy, +c.cx, +c.cy, width, height);
}

function readInitialOrbit(splats, mesh) {
  let parsed = {};
  try { parsed = JSON.parse(document.getElementById("camera-data").textContent || "{}") || {}; } catch (error) { parsed = {}; }
  let lo = splats.lo, hi = splats.hi;
  if (!(lo[0] <= hi[0]) && mesh) { lo = mesh.lo; hi = mesh.hi; }
  const centre = lo[0] <= hi[0] ? [0, 1, 2].map((k) => 0.5 * (lo[k] + hi[k])) : [0, 0, 0];
  const radius = lo[0] <= hi[0] ? Math.max(1e-6, 0.5 * Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2])) : 1;
  const fov = Number.isFinite(parsed.fov) && parsed.fov > 1 && parsed.fov < 170 ? parsed.fov : 40;
  const target = Array.isArray(parsed.target) && parsed.target.length === 3 && parsed.target.every(Number.isFinite) ? parsed.target.slice() : centre;
  const distance = Number.isFinite(parsed.distance) && parsed.distance > 0 ? parsed.distance : 1.2 * radius / Math.sin(0.5 * fov * Math.PI / 180);
  return {
    target, distance, fov,
    azimuth: Number.isFinite(parsed.azimuth) ? parsed.azimuth : 0,
    elevation: Number.isFinite(parsed.elevation) ? Math.max(-89.9, Math.min(89.9, parsed.elevation)) : 10,
    sceneRadius: radius,
  };
}

// ---------- GL ----------

const SPLAT_VS = `#version 300 es
precision highp float;
precision highp int;
precision highp usampler2D;
uniform usampler2D u_splats;
uniform mat3 u_rot;
uniform vec3 u_trans;
uniform vec4 u_intrinsics;
uniform vec2 u_size;
uniform float u_near;
uniform float u_alphaMin;
layout(location = 0) in uint a_index;
out vec2 v_offset;
flat out vec3 v_conic;
flat out vec4 v_colour;

void cull() { gl_Position = vec4(0.0, 0.0, 2.0, 1.0); v_offset = vec2(0.0); v_conic = vec3(0.0); v_colour = vec4(0.0); }

void main() {
  int width = textureSize(u_splats, 0).x;
  int base = int(a_index) * 3;
  uvec4 t0 = texelFetch(u_splats, ivec2(base % width, base / width), 0);
  uvec4 t1 = texelFetch(u_splats, ivec2((base + 1) % width, (base + 1) / width), 0);
  uvec4 t2 = texelFetch(u_splats, ivec2((base + 2) % width, (base + 2) / width), 0);
  vec3 p = u_rot * uintBitsToFloat(t0.xyz) + u_trans;
  vec4 colour = vec4((uvec4(t0.w) >> uvec4(0u, 8u, 16u, 24u)) & uvec4(255u)) / 255.0;
  float opacity = colour.a;
  if (!(p.z > u_near) || !(opacity > u_alphaMin)) { cull(); return; }
  vec4 c1 = uintBitsToFloat(t1);
  vec2 c2 = uintBitsToFloat(t2.xy);
  mat3 sigmaWorld = mat3(c1.x, c1.y, c1.z, c1.y, c1.w, c2.x, c1.z, c2.x, c2.y);
  mat3 sigma = u_rot * sigmaWorld * transpose(u_rot);
  float fx = u_intrinsics.x, fy = u_intrinsics.y;
  float limX = 0.65 * u_size.x / fx, limY = 0.65 * u_size.y / fy;
  float tx = clamp(p.x / p.z, -limX, limX) * p.z, ty = clamp(p.y / p.z, -limY, limY) * p.z;
  float z2 = p.z * p.z;
  vec3 j0 = vec3(fx / p.z, 0.0, -fx * tx / z2);
  vec3 j1 = vec3(0.0, fy / p.z, -fy * ty / z2);
  vec3 s0 = sigma * j0, s1 = sigma * j1;
  float a = dot(j0, s0) + 0.3, b = dot(j0, s1), c = dot(j1, s1) + 0.3;
  float det = a * c - b * b;
  if (!(det > 0.0)) { cull(); return; }
  vec2 centre = vec2(fx * p.x / p.z + u_intrinsics.z, fy * p.y / p.z + u_intrinsics.w);
  // The ellipse's axes: eigenvectors of the 2D covariance; the quad reaches the alpha_min contour
  // (sqrt(2 ln(opacity / alpha_min)) sigmas, 3.33 at most) along each.
  float mid = 0.5 * (a + c), disc = sqrt(max(0.25 * (a - c) * (a - c) + b * b, 0.0));
  float l1 = mid + disc, l2 = max(mid - disc, 1e-6);
  vec2 axis = abs(b) > 1e-7 * (a + c) ? normalize(vec2(b, l1 - a)) : (a >= c ? vec2(1.0, 0.0) : vec2(0.0, 1.0));
  float extent = sqrt(2.0 * log(opacity / u_alphaMin));
  float limit = 2.0 * max(u_size.x, u_size.y);
  float r1 = min(extent * sqrt(l1), limit), r2 = min(extent * sqrt(l2), limit);
  if (centre.x + r1 <= 0.0 || centre.x - r1 >= u_size.x || centre.y + r1 <= 0.0 || centre.y - r1 >= u_size.y) { cull(); return; }
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)) * 2.0 - 1.0;
  vec2 offset = corner.x * r1 * axis + corner.y * r2 * vec2(-axis.y, axis.x);
  vec2 pixel = centre + offset;
  gl_Position = vec4(2.0 * pixel.x / u_size.x - 1.0, 1.0 - 2.0 * pixel.y / u_size.y, 0.0, 1.0);
  v_offset = offset;
  v_conic = vec3(c, -b, a) / det;
  v_colour = vec4(colour.rgb, opacity);
}`;

const SPLAT_FS = `#version 300 es
precision highp float;
uniform float u_alphaMin;
in vec2 v_offset;
flat in vec3 v_conic;
flat in vec4 v_colour;
out vec4 fragColour;
void main() {
  vec2 d = v_offset;
  float power = -0.5 * (v_conic.x * d.x * d.x + v_conic.z * d.y * d.y) - v_conic.y * d.x * d.y;
  if (power > 0.0) discard;
  float alpha = min(0.99, v_colour.a * exp(power));
  if (alpha < u_alphaMin) discard;
  fragColour = vec4(v_colour.rgb * alpha, alpha);
}`;

const COPY_VS = `#version 300 es
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

const COPY_FS = `#version 300 es
precision highp float;
uniform sampler2D u_image;
out vec4 fragColour;
void main() { fragColour = vec4(texelFetch(u_image, ivec2(gl_FragCoord.xy), 0).rgb, 1.0); }`;

const MESH_VS = `#version 300 es
precision highp float;
uniform mat3 u_rot;
uniform vec3 u_trans;
uniform vec4 u_intrinsics;
uniform vec2 u_size;
uniform vec2 u_clip;
layout(location = 1) in vec3 a_position;
layout(location = 2) in vec3 a_normal;
layout(location = 3) in vec3 a_colour;
out vec3 v_normal;
out vec3 v_position;
out vec3 v_colour;
void main() {
  vec3 p = u_rot * a_position + u_trans;
  float n = u_clip.x, f = u_clip.y;
  gl_Position = vec4(2.0 * u_intrinsics.x / u_size.x * p.x + (2.0 * u_intrinsics.z / u_size.x - 1.0) * p.z,
                     -(2.0 * u_intrinsics.y / u_size.y * p.y + (2.0 * u_intrinsics.w / u_size.y - 1.0) * p.z),
                     (f + n) / (f - n) * p.z - 2.0 * f * n / (f - n), p.z);
  v_normal = u_rot * a_normal;
  v_position = p;
  v_colour = a_colour;
}`;

const MESH_FS = `#version 300 es
precision highp float;
in vec3 v_normal;
in vec3 v_position;
in vec3 v_colour;
out vec4 fragColour;
vec3 toLinear(vec3 c) { return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c)); }
vec3 toSRGB(vec3 c) { return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c)); }
void main() {
  vec3 n = normalize(v_normal);
  if (dot(n, v_position) > 0.0) n = -n;  // two-sided: face the camera
  vec3 light = normalize(vec3(-0.35, -0.55, -1.0));  // from above left of the camera (camera: y down, z forward)
  float lambert = max(dot(n, light), 0.0);
  vec3 linear = toLinear(v_colour) * (0.18 + 0.82 * lambert);
  fragColour = vec4(toSRGB(clamp(linear, 0.0, 1.0)), 1.0);
}`;

function compile(gl, vertexSource, fragmentSource) {
  const program = gl.createProgram();
  for (const [type, source] of [[gl.VERTEX_SHADER, vertexSource], [gl.FRAGMENT_SHADER, fragmentSource]]) {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error("shader: " + gl.getShaderInfoLog(shader));
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error("program: " + gl.getProgramInfoLog(program));
  const uniforms = {};
  const n = gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS);
  for (let i = 0; i < n; i++) {
    const name = gl.getActiveUniform(program, i).name;
    uniforms[name] = gl.getUniformLocation(program, name);
  }
  return { program, uniforms };
}

// Column-major for uniformMatrix3fv of a row-major 3x3.
function columnMajor(r) { return [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]]; }

function start() {
  let fixed = null;
  try { fixed = parseFixedCamera(); } catch (error) { showMessage("Bad #camera= view: " + error.message); return; }
  if (fixed) {
    document.body.classList.add("fixed");
    canvas.style.width = fixed.width + "px";
    canvas.style.height = fixed.height + "px";
    canvas.width = fixed.width;
    canvas.height = fixed.height;
  }
  const gl = canvas.getContext("webgl2", { antialias: false, alpha: false, depth: true, stencil: false,
                                           premultipliedAlpha: false, preserveDrawingBuffer: !!fixed });
  if (!gl) { showMessage("This viewer needs WebGL2, which this browser does not offer."); return; }

  const splats = readSplats(decodeBase64(document.getElementById("splat-data").textContent));
  const meshText = document.getElementById("mesh-data").textContent.trim();
  const mesh = meshText ? readMesh(decodeBase64(meshText)) : null;

  const maxTexture = gl.getParameter(gl.MAX_TEXTURE_SIZE);
  if (splats.texHeight > maxTexture) { showMessage(splats.count + " Gaussians do not fit this GPU's textures."); return; }

  const splatProgram = compile(gl, SPLAT_VS, SPLAT_FS);
  const copyProgram = compile(gl, COPY_VS, COPY_FS);
  const meshProgram = mesh ? compile(gl, MESH_VS, MESH_FS) : null;

  const splatTexture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, splatTexture);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32UI, splats.texWidth, splats.texHeight, 0, gl.RGBA_INTEGER, gl.UNSIGNED_INT, splats.words);
  splats.words = null;

  const splatVAO = gl.createVertexArray();
  gl.bindVertexArray(splatVAO);
  const orderBuffer = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, orderBuffer);
  gl.bufferData(gl.ARRAY_BUFFER, 4, gl.DYNAMIC_DRAW);
  gl.enableVertexAttribArray(0);
  gl.vertexAttribIPointer(0, 1, gl.UNSIGNED_INT, 0, 0);
  gl.vertexAttribDivisor(0, 1);
  gl.bindVertexArray(null);
  let drawCount = 0;

  let meshVAO = null;
  if (mesh) {
    meshVAO = gl.createVertexArray();
    gl.bindVertexArray(meshVAO);
    const attribute = (location, data, size, type, normalised) => {
      const buffer = gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, size, type, normalised, 0, 0);
    };
    attribute(1, mesh.positions, 3, gl.FLOAT, false);
    attribute(2, mesh.normals, 3, gl.FLOAT, false);
    attribute(3, mesh.colours, 3, gl.UNSIGNED_BYTE, true);
    const indexBuffer = gl.createBuffer();
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, indexBuffer);
    gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, mesh.indices, gl.STATIC_DRAW);
    gl.bindVertexArray(null);
  }
  const emptyVAO = gl.createVertexArray();

  // Splats accumulate in a half-float target where the GPU can render to one (8-bit blending rounds
  // every one of the hundreds of layers a pixel may get); then one pass copies it to the canvas.
  const floatTargets = !!gl.getExtension("EXT_color_buffer_float");
  let target = null;
  function ensureTarget(width, height) {
    if (!floatTargets) return null;
    if (target && target.width === width && target.height === height) return target;
    if (target) { gl.deleteFramebuffer(target.framebuffer); gl.deleteTexture(target.texture); }
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA16F, width, height);
    const framebuffer = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    const complete = gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (!complete) { gl.deleteFramebuffer(framebuffer); gl.deleteTexture(texture); target = null; return null; }
    target = { width, height, texture, framebuffer };
    return target;
  }

  // ---------- sorting ----------
  const sorter = { worker: null, busy: false, wanted: null, sorted: null, requested: null, id: 0, ready: false, received: 0 };
  const workerURL = URL.createObjectURL(new Blob([document.getElementById("sort-worker").textContent], { type: "text/javascript" }));
  sorter.worker = new Worker(workerURL);
  sorter.worker.postMessage({ type: "positions", positions: splats.positions });
  sorter.worker.onmessage = (event) => {
    const message = event.data;
    if (message.type !== "order") return;
    gl.bindBuffer(gl.ARRAY_BUFFER, orderBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, message.order.length ? message.order : new Uint32Array(1), gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, null);
    drawCount = message.order.length;
    sorter.sorted = message.forward;
    sorter.busy = false;
    sorter.ready = true;
    canvas.dataset.sorts = String(++sorter.received);
    dirty = true;
    if (sorter.wanted) { const f = sorter.wanted; sorter.wanted = null; requestSort(f); }
    canvas.dataset.sorting = sorter.busy ? "1" : "0";
    if (fixed) frame();
  };
  sorter.worker.onerror = (event) => {
    showMessage("The sorting worker failed: " + (event.message || "unknown error"));
  };
  function sameDirection(a, b) { return a && b && a[0] * b[0] + a[1] * b[1] + a[2] * b[2] > 0.999995; }
  // One sort in flight at a time; while it runs only the latest other direction is kept for the next.
  function requestSort(forward) {
    if (sorter.busy) { sorter.wanted = sameDirection(forward, sorter.requested) ? null : forward; return; }
    if (sameDirection(forward, sorter.sorted)) return;
    sorter.busy = true;
    canvas.dataset.sorting = "1";
    sorter.requested = forward;
    sorter.worker.postMessage({ type: "sort", id: ++sorter.id, forward });
  }

  // ---------- camera state ----------
  const initial = readInitialOrbit(splats, mesh);
  const orbit = { target: initial.target.slice(), distance: initial.distance, azimuth: initial.azimuth, elevation: initial.elevation, fov: initial.fov };
  let showMesh = !!mesh && splats.count === 0;  // a mesh alone opens on the mesh
  let dirty = true;

  function currentView() {
    if (fixed) return fixed;
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio)), height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const fy = 0.5 * height / Math.tan(0.5 * orbit.fov * Math.PI / 180);
    return viewFromCameraToWorld(orbitPose(orbit), fy, fy, 0.5 * width, 0.5 * height, width, height);
  }

  function draw(view) {
    const w = view.width, h = view.height;
    if (showMesh && mesh) {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.viewport(0, 0, w, h);
      gl.clearColor(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 1);
      gl.clearDepth(1);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
      gl.enable(gl.DEPTH_TEST);
      gl.disable(gl.BLEND);
      const centre = [0, 1, 2].map((k) => 0.5 * (mesh.lo[k] + mesh.hi[k]));
      const radius = 0.5 * Math.hypot(mesh.hi[0] - mesh.lo[0], mesh.hi[1] - mesh.lo[1], mesh.hi[2] - mesh.lo[2]) || 1;
      const depth = view.rot[6] * centre[0] + view.rot[7] * centre[1] + view.rot[8] * centre[2] + view.trans[2];
      const near = Math.max(0.9 * (depth - radius), 1e-3 * radius), far = Math.max(1.1 * (depth + radius), 2 * near);
      gl.useProgram(meshProgram.program);
      const u = meshProgram.uniforms;
      gl.uniformMatrix3fv(u.u_rot, false, columnMajor(view.rot));
      gl.uniform3fv(u.u_trans, view.trans);
      gl.uniform4f(u.u_intrinsics, view.fx, view.fy, view.cx, view.cy);
      gl.uniform2f(u.u_size, w, h);
      gl.uniform2f(u.u_clip, near, far);
      gl.bindVertexArray(meshVAO);
      gl.drawElements(gl.TRIANGLES, 3 * mesh.triangleCount, gl.UNSIGNED_INT, 0);
      gl.bindVertexArray(null);
      gl.disable(gl.DEPTH_TEST);
      return;
    }
    const t = ensureTarget(w, h);
    gl.bindFramebuffer(gl.FRAMEBUFFER, t ? t.framebuffer : null);
    gl.viewport(0, 0, w, h);
    gl.disable(gl.DEPTH_TEST);
    gl.clearColor(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (drawCount > 0) {
      gl.enable(gl.BLEND);
      gl.blendEquation(gl.FUNC_ADD);
      gl.blendFuncSeparate(gl.ONE, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.useProgram(splatProgram.program);
      const u = splatProgram.uniforms;
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, splatTexture);
      gl.uniform1i(u.u_splats, 0);
      gl.uniformMatrix3fv(u.u_rot, false, columnMajor(view.rot));
      gl.uniform3fv(u.u_trans, view.trans);
      gl.uniform4f(u.u_intrinsics, view.fx, view.fy, view.cx, view.cy);
      gl.uniform2f(u.u_size, w, h);
      gl.uniform1f(u.u_near, NEAR_PLANE);
      gl.uniform1f(u.u_alphaMin, ALPHA_MIN);
      gl.bindVertexArray(splatVAO);
      gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, drawCount);
      gl.bindVertexArray(null);
      gl.disable(gl.BLEND);
    }
    if (t) {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.viewport(0, 0, w, h);
      gl.useProgram(copyProgram.program);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, t.texture);
      gl.uniform1i(copyProgram.uniforms.u_image, 0);
      gl.bindVertexArray(emptyVAO);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      gl.bindVertexArray(null);
    }
  }

  // ---------- frames ----------
  // Frames are drawn when something changed; the rate shown is that of the last run of consecutive
  // redraws (an interval average over redraws less than 250 ms apart), kept while the view rests.
  let lastDraw = -1, interval = 0, lastStats = 0, frames = 0;
  function noteDraw(now) {
    const dt = now - lastDraw;
    if (lastDraw >= 0 && dt < 250) interval = interval > 0 ? 0.85 * interval + 0.15 * dt : dt;
    lastDraw = now;
    canvas.dataset.frames = String(++frames);
  }
  function updateStats(now) {
    if (now - lastStats < 250) return;
    lastStats = now;
    const what = showMesh && mesh ? mesh.triangleCount.toLocaleString("en-US") + " triangles"
                                  : splats.count.toLocaleString("en-US") + " Gaussians";
    const fps = interval > 0 ? (1000 / interval).toFixed(0) : "–";
    statsLine.textContent = what + " · " + fps + " fps" + (sorter.ready || showMesh ? "" : " · sorting…");
  }

  let renderedMarked = false;
  function frame() {
    const view = currentView();
    requestSort([view.rot[6], view.rot[7], view.rot[8]]);
    if (fixed) {
      if (!sorter.ready || renderedMarked) return;
      draw(view);
      gl.finish();
      renderedMarked = true;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        document.title = "rendered";
        const marker = document.createElement("div");
        marker.id = "rendered";
        document.body.appendChild(marker);
      }));
      return;
    }
    const now = performance.now();
    if (dirty) {
      dirty = false;
      draw(view);
      noteDraw(now);
    }
    updateStats(now);
  }

  if (fixed) { frame(); return; }

  function loop() { frame(); requestAnimationFrame(loop); }
  requestAnimationFrame(loop);

  // ---------- controls ----------
  function changed() { dirty = true; }
  function reset() {
    orbit.target = initial.target.slice();
    orbit.distance = initial.distance;
    orbit.azimuth = initial.azimuth;
    orbit.elevation = initial.elevation;
    changed();
  }
  function rotate(dx, dy) {
    orbit.azimuth -= 0.3 * dx;
    orbit.elevation = Math.max(-89.9, Math.min(89.9, orbit.elevation + 0.3 * dy));
    changed();
  }
  function pan(dx, dy) {
    const pose = orbitPose(orbit);
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const perPixel = orbit.distance * 2 * Math.tan(0.5 * orbit.fov * Math.PI / 180) / Math.max(1, canvas.clientHeight * ratio) * ratio;
    for (let k = 0; k < 3; k++) orbit.target[k] += perPixel * (-dx * pose[4 * k] + dy * pose[4 * k + 1]);
    changed();
  }
  function zoom(factor) {
    orbit.distance = Math.max(1e-4 * initial.sceneRadius, Math.min(1e4 * initial.sceneRadius, orbit.distance * factor));
    changed();
  }
  function showMeshButtonState() {
    meshButton.setAttribute("aria-pressed", showMesh ? "true" : "false");
    meshButton.title = showMesh ? "Show the splats again (M)" : "Show the mesh instead of the splats (M)";
  }
  function toggleMesh() {
    if (!mesh) return;
    showMesh = !showMesh;
    showMeshButtonState();
    lastStats = 0;
    changed();
  }

  const pointers = new Map();
  let dragMode = null, pinch = null;
  canvas.addEventListener("pointerdown", (event) => {
    canvas.focus();
    canvas.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 1) dragMode = event.button === 2 || event.button === 1 || event.shiftKey ? "pan" : "rotate";
    if (pointers.size === 2) {
      const [p, q] = [...pointers.values()];
      pinch = { distance: Math.hypot(p.x - q.x, p.y - q.y), x: 0.5 * (p.x + q.x), y: 0.5 * (p.y + q.y) };
    }
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    const previous = pointers.get(event.pointerId);
    if (!previous) return;
    const current = { x: event.clientX, y: event.clientY };
    pointers.set(event.pointerId, current);
    if (pointers.size === 1) {
      const dx = current.x - previous.x, dy = current.y - previous.y;
      if (dragMode === "pan" || event.shiftKey) pan(dx, dy); else rotate(dx, dy);
    } else if (pointers.size === 2 && pinch) {
      const [p, q] = [...pointers.values()];
      const distance = Math.hypot(p.x - q.x, p.y - q.y), x = 0.5 * (p.x + q.x), y = 0.5 * (p.y + q.y);
      if (distance > 0 && pinch.distance > 0) zoom(pinch.distance / distance);
      pan(x - pinch.x, y - pinch.y);
      pinch = { distance, x, y };
    }
  });
  const release = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = null;
    if (pointers.size === 0) dragMode = null;
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    zoom(Math.exp(0.0015 * scale * event.deltaY));
  }, { passive: false });
  window.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "r" || event.key === "R") reset();
    else if ((event.key === "m" || event.key === "M") && mesh) toggleMesh();
  });
  window.addEventListener("resize", changed);
  resetButton.addEventListener("click", reset);
  if (mesh) {
    meshButton.hidden = false;
    showMeshButtonState();
    meshButton.addEventListener("click", toggleMesh);
    document.getElementById("help").textContent += " · M: mesh";
  }
}

try {
  start();
} catch (error) {
  showMessage("The viewer could not start: " + (error && error.message ? error.message : error));
}
})();
</script>
</body>
</html>
"""#
}

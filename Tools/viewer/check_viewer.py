#!/usr/bin/env python3
"""Checks the `splat view` page (Sources/Splat/ViewerPage.swift) in headless Chromium against the CPU rasteriser.

It builds a test scene (a few thousand SH-degree-0 Gaussians shaped like a head) as an INRIA PLY, writes its
`.splat` (the SplatFile layout) and a small vertex-coloured mesh, fills the page template's placeholders,
renders fixed cameras (`#camera=`) in Chromium through the DevTools protocol (over --remote-debugging-pipe, no
extra Python packages), renders the same cameras with `splat render` and reports the PSNR of each pair. It also
loads the page without a fixed camera and with a mesh (clicking its toggle) and fails on any console error or
uncaught exception.

    python3 Tools/viewer/check_viewer.py --splat-binary /path/to/splat [--out DIR] [--min-psnr 25]

Needs python3 with numpy and pillow, and chromium (Debian: apt-get install -y chromium). Exit status 0 when
every check passes.
"""
import argparse
import base64
import json
import math
import os
import queue
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWIFT_PAGE = os.path.join(ROOT, "Sources", "Splat", "ViewerPage.swift")
C0 = 0.28209479177387814
PLACEHOLDERS = ("__SPLAT_BASE64__", "__MESH_BASE64__", "__CAMERA_JSON__", "__BACKGROUND__")


# ---------------------------------------------------------------- page

def read_template(path=SWIFT_PAGE):
    """The text between #\"\"\" and \"\"\"# of ViewerPage.swift, as Swift's multi-line raw string holds it."""
    source = open(path, encoding="utf-8").read()
    start = source.index('#"""') + len('#"""')
    end = source.index('"""#', start)
    body = source[start:end]
    assert body.startswith("\n"), "the template must start on the line after #\"\"\""
    body = body[1:]
    # The closing delimiter's indentation is stripped from every line, and the last newline is not content.
    indent = body[body.rindex("\n") + 1:]
    assert indent.strip() == "", "the closing \"\"\"# must be alone on its line"
    body = body[:body.rindex("\n")]
    if indent:
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line for line in body.split("\n"))
    for p in PLACEHOLDERS:
        assert body.count(p) == 1, f"{p} appears {body.count(p)} times in the template"
    return body


def build_page(template, splat_bytes, mesh_bytes, camera, background):
    values = {
        "__SPLAT_BASE64__": base64.b64encode(splat_bytes).decode("ascii"),
        "__MESH_BASE64__": base64.b64encode(mesh_bytes).decode("ascii") if mesh_bytes else "",
        "__CAMERA_JSON__": json.dumps(camera),
        "__BACKGROUND__": json.dumps([float(v) for v in background]),
    }
    # One pass, so a substituted value is never searched for the other placeholders.
    return re.sub("|".join(PLACEHOLDERS), lambda m: values[m.group(0)], template)


# ---------------------------------------------------------------- scene

def quat_from_matrix(r):
    """(w, x, y, z) of a proper rotation matrix."""
    t = np.trace(r)
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        return np.array([0.25 * s, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s])
    i = int(np.argmax(np.diag(r)))
    j, k = (i + 1) % 3, (i + 2) % 3
    s = math.sqrt(1.0 + r[i, i] - r[j, j] - r[k, k]) * 2
    q = np.zeros(4)
    q[0] = (r[k, j] - r[j, k]) / s
    q[1 + i] = 0.25 * s
    q[1 + j] = (r[j, i] + r[i, j]) / s
    q[1 + k] = (r[k, i] + r[i, k]) / s
    return q


def make_head_scene(n=5000, seed=7):
    """Gaussians on and in a head-like ellipsoid: skin, hair, eyes, nose, mouth, a neck; flat surfels
    tangent to the surface plus rounder interior ones. Returns a dict of INRIA PLY columns."""
    rng = np.random.default_rng(seed)
    radii = np.array([0.78, 1.0, 0.88])
    means, scales, quats, colours, opac = [], [], [], [], []
    n_surface = int(n * 0.8)
    d = rng.normal(size=(n_surface, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    p = d * radii
    normal = p / radii ** 2
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    for i in range(n_surface):
        x, y, z = p[i]
        skin = np.array([0.93, 0.72, 0.6]) + rng.normal(scale=0.03, size=3)
        c = skin
        if y > 0.25 and (z < 0.55 or y > 0.6):  # hair on top and at the back
            c = np.array([0.35, 0.2, 0.1]) + rng.normal(scale=0.05, size=3)
        for ex in (-0.3, 0.3):  # eyes
            if (x - ex) ** 2 + (y - 0.18) ** 2 < 0.012 and z > 0:
                c = np.array([0.08, 0.1, 0.25])
        if abs(x) < 0.25 and abs(y + 0.45) < 0.05 and z > 0:  # mouth
            c = np.array([0.8, 0.15, 0.2])
        if abs(x) < 0.5 and abs(y - 0.35) < 0.03 and z > 0.5:  # eyebrows
            c = np.array([0.25, 0.15, 0.08])
        c = np.clip(c, 0.0, 1.0)
        # A frame with the surface normal as its third axis.
        nn = normal[i]
        a = np.cross(nn, [0.3, 1.0, 0.2])
        a /= np.linalg.norm(a)
        b = np.cross(nn, a)
        theta = rng.uniform(0, 2 * np.pi)
        t1 = math.cos(theta) * a + math.sin(theta) * b
        t2 = np.cross(nn, t1)
        r = np.stack([t1, t2, nn], axis=1)
        if np.linalg.det(r) < 0:
            r[:, 1] = -r[:, 1]
        s = np.exp(rng.uniform(np.log(0.015), np.log(0.07), size=2))
        means.append(p[i])
        scales.append([s[0], s[1], 0.15 * min(s)])
        quats.append(quat_from_matrix(r) * rng.choice([-1, 1]) * rng.uniform(0.5, 2.0))  # unnormalised on purpose
        colours.append(c)
        opac.append(rng.uniform(0.3, 0.99))
    # A nose and a neck: rounder Gaussians; then interior filler.
    for _ in range(150):
        means.append(np.array([0, -0.05, 0.88]) + rng.normal(scale=[0.05, 0.1, 0.04]))
        scales.append(np.exp(rng.uniform(np.log(0.02), np.log(0.05), size=3)))
        quats.append(rng.normal(size=4))
        colours.append(np.clip(np.array([0.9, 0.66, 0.55]) + rng.normal(scale=0.03, size=3), 0, 1))
        opac.append(rng.uniform(0.5, 0.95))
    for _ in range(300):
        t = rng.uniform(0, 2 * np.pi)
        means.append(np.array([0.3 * math.cos(t), rng.uniform(-1.5, -0.85), 0.3 * math.sin(t)]))
        scales.append(np.exp(rng.uniform(np.log(0.02), np.log(0.06), size=3)))
        quats.append(rng.normal(size=4))
        colours.append(np.clip(np.array([0.85, 0.62, 0.5]) + rng.normal(scale=0.03, size=3), 0, 1))
        opac.append(rng.uniform(0.4, 0.9))
    while len(means) < n:
        means.append(rng.normal(size=3) * radii * 0.35)
        scales.append(np.exp(rng.uniform(np.log(0.05), np.log(0.2), size=3)))
        quats.append(rng.normal(size=4))
        colours.append(np.clip(np.array([0.8, 0.5, 0.45]) + rng.normal(scale=0.05, size=3), 0, 1))
        opac.append(rng.uniform(0.2, 0.9))
    # A few large, faint, elongated Gaussians in front (a veil) and far behind the head.
    for _ in range(12):
        means.append(rng.uniform([-1.2, -1.2, -2.5], [1.2, 1.2, 1.6]))
        scales.append(np.exp(rng.uniform(np.log(0.05), np.log(0.6), size=3)))
        quats.append(rng.normal(size=4))
        colours.append(rng.uniform(0.1, 0.95, size=3))
        opac.append(rng.uniform(0.05, 0.3))
    means = np.array(means, dtype=np.float32)
    colours = np.array(colours)
    opac = np.clip(np.array(opac), 1e-3, 0.995)
    return {
        "xyz": means,
        "f_dc": ((colours - 0.5) / C0).astype(np.float32),
        "opacity": np.log(opac / (1 - opac)).astype(np.float32),
        "log_scale": np.log(np.array(scales)).astype(np.float32),
        "rot": np.array(quats, dtype=np.float32),
    }


def write_ply(scene, path):
    """INRIA 3DGS PLY, SH degree 0 (no f_rest): x y z nx ny nz f_dc_0..2 opacity scale_0..2 rot_0..3."""
    n = len(scene["xyz"])
    names = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2", "opacity",
             "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
    table = np.concatenate([scene["xyz"], np.zeros((n, 3), np.float32), scene["f_dc"], scene["opacity"][:, None],
                            scene["log_scale"], scene["rot"]], axis=1).astype("<f4")
    header = "ply\nformat binary_little_endian 1.0\nelement vertex %d\n" % n
    header += "".join("property float %s\n" % name for name in names) + "end_header\n"
    with open(path, "wb") as f:
        f.write(header.encode("ascii"))
        f.write(table.tobytes())


def read_ply(path):
    data = open(path, "rb").read()
    end = data.index(b"end_header\n") + len(b"end_header\n")
    lines = data[:end].decode("ascii").split("\n")
    n = int(next(l.split()[2] for l in lines if l.startswith("element vertex")))
    names = [l.split()[-1] for l in lines if l.startswith("property")]
    assert all(l.split()[1] == "float" for l in lines if l.startswith("property")), "float properties only"
    table = np.frombuffer(data[end:end + 4 * n * len(names)], dtype="<f4").reshape(n, len(names))
    col = {name: table[:, i] for i, name in enumerate(names)}
    return {
        "xyz": np.stack([col["x"], col["y"], col["z"]], 1),
        "f_dc": np.stack([col["f_dc_%d" % c] for c in range(3)], 1),
        "opacity": col["opacity"],
        "log_scale": np.stack([col["scale_%d" % c] for c in range(3)], 1),
        "rot": np.stack([col["rot_%d" % c] for c in range(4)], 1),
    }


def splat_bytes(scene):
    """The .splat layout (SplatFile.encode): 32 bytes a Gaussian, ordered by decreasing size x opacity."""
    xyz = scene["xyz"].astype(np.float32)
    scale = np.exp(scene["log_scale"].astype(np.float32))
    alpha = 1 / (1 + np.exp(-scene["opacity"].astype(np.float32)))
    key = np.exp(scene["log_scale"].astype(np.float32).sum(1)) * alpha
    order = np.argsort(-key, kind="stable")

    def byte(v):
        return np.clip(np.round(v * 255), 0, 255).astype(np.uint8)

    rgba = np.concatenate([byte(0.5 + C0 * scene["f_dc"].astype(np.float32)), byte(alpha)[:, None]], 1)
    q = scene["rot"].astype(np.float32)
    q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    qb = np.clip(np.round(q * 128 + 128), 0, 255).astype(np.uint8)
    rec = np.zeros(len(xyz), dtype=[("f", "<f4", 6), ("c", "u1", 4), ("q", "u1", 4)])
    rec["f"] = np.concatenate([xyz, scale], 1)
    rec["c"] = rgba
    rec["q"] = qb
    return rec[order].tobytes()


def make_mesh():
    """A vertex-coloured UV sphere (radius 0.9, colours by direction): the binary layout the page reads."""
    rings, segments = 24, 48
    verts, cols, tris = [], [], []
    for i in range(rings + 1):
        phi = math.pi * i / rings
        for j in range(segments + 1):
            theta = 2 * math.pi * j / segments
            d = np.array([math.sin(phi) * math.sin(theta), math.cos(phi), math.sin(phi) * math.cos(theta)])
            verts.append(d * np.array([0.78, 1.0, 0.88]))
            cols.append(np.clip((d * 0.5 + 0.5) * 255, 0, 255))
    for i in range(rings):
        for j in range(segments):
            a, b = i * (segments + 1) + j, (i + 1) * (segments + 1) + j
            tris += [(a, b, a + 1), (a + 1, b, b + 1)]
    v = np.array(verts, "<f4")
    c = np.array(cols).astype(np.uint8)
    t = np.array(tris, "<u4")
    return struct.pack("<II", len(v), len(t)) + v.tobytes() + c.tobytes() + t.tobytes()


# ---------------------------------------------------------------- cameras

def orbit_pose(azimuth, elevation, distance, centre=(0.0, 0.0, 0.0)):
    """Camera.orbitPose: camera-to-world, row-major 4x4, OpenGL convention."""
    e, a = math.radians(elevation), math.radians(azimuth)
    back = np.array([math.cos(e) * math.sin(a), math.sin(e), math.cos(e) * math.cos(a)])
    p = np.array(centre) + distance * back
    right = np.cross([0, 1, 0], back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, up, back, p
    return m


def test_cameras(size=256):
    f = 0.5 * size / math.tan(math.radians(20))
    return [
        {"name": "front", "c2w": orbit_pose(25, 12, 4.0), "fx": f, "fy": f, "cx": size / 2, "cy": size / 2,
         "width": size, "height": size},
        # Closer, from behind and below, with fx != fy and an off-centre principal point; part of the
        # head leaves the frame (the tangent clamp matters there).
        {"name": "back", "c2w": orbit_pose(-140, -15, 2.6), "fx": 1.08 * f, "fy": 0.96 * f,
         "cx": size / 2 + 9.5, "cy": size / 2 - 6.0, "width": size, "height": size},
    ]


# ---------------------------------------------------------------- Chromium over the DevTools pipe

def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("chromium not found: apt-get install -y chromium")


CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
    "--hide-scrollbars", "--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0",
]


class Browser:
    """A headless Chromium driven over --remote-debugging-pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, width, height, log_path):
        self.profile = tempfile.mkdtemp(prefix="orbit-viewer-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.command = [chromium_binary()] + CHROMIUM_FLAGS + [
            "--user-data-dir=" + self.profile, "--window-size=%d,%d" % (width, height), "about:blank"]
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._id = 0
        self._replies = {}
        self.parents = {}
        self._cond = threading.Condition()
        self.events = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._replies[None] = "closed"
                    self._cond.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._cond:
                        self._replies[message["id"]] = message
                        self._cond.notify_all()
                    continue
                if message.get("method") == "Target.attachedToTarget":
                    # A worker of a page (auto-attach): report its console and exceptions too, then let it run.
                    child = message["params"]["sessionId"]
                    with self._cond:
                        self.parents[child] = message.get("sessionId")
                    for method in ("Runtime.enable", "Log.enable", "Runtime.runIfWaitingForDebugger"):
                        self.post(method, session=child)
                self.events.put(message)

    def post(self, method, params=None, session=None):
        """Sends a command; its reply is kept but not waited for. Returns the command's id."""
        with self._cond:
            self._id += 1
            ident = self._id
            message = {"id": ident, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return ident

    def session_root(self, session):
        """The page session a (worker) session belongs to."""
        with self._cond:
            while session in self.parents and self.parents[session]:
                session = self.parents[session]
        return session

    def send(self, method, params=None, session=None, timeout=60):
        ident = self.post(method, params, session)
        deadline = time.time() + timeout
        with self._cond:
            while ident not in self._replies:
                if None in self._replies:
                    raise RuntimeError("browser closed during " + method)
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(method)
                self._cond.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # only the browser this object started
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class PageRun:
    """One page load in a fresh tab: console errors, exceptions and the final screenshot."""

    def __init__(self, browser, width, height):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.target = target
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(method)
        self.call("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True})
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.errors, self.warnings = [], []

    def call(self, method, params=None, timeout=60):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def drain(self):
        while True:
            try:
                event = self.browser.events.get_nowait()
            except queue.Empty:
                return
            if self.browser.session_root(event.get("sessionId")) != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                self.errors.append("exception: " + details.get("exception", {}).get("description", details.get("text", "")))
            elif method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                if params.get("type") in ("error", "assert"):
                    self.errors.append("console.%s: %s" % (params["type"], text))
                elif params.get("type") == "warning":
                    self.warnings.append("console.warn: " + text)
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                line = "%s (%s): %s" % (entry.get("level"), entry.get("source"), entry.get("text"))
                if entry.get("level") == "error":
                    self.errors.append(line)
                elif entry.get("level") == "warning":
                    self.warnings.append(line)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def navigate(self, url):
        self.call("Page.navigate", {"url": url})

    def wait_for(self, expression, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.drain()
            if self.evaluate(expression):
                return True
            time.sleep(0.05)
        self.drain()
        return False

    def settle(self):
        """Waits for two animation frames (what is drawn has reached the screen)."""
        self.call("Runtime.evaluate", {"expression": "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                                       "awaitPromise": True})

    def mouse(self, kind, x, y, button="none", buttons=0, modifiers=0, **extra):
        params = {"type": kind, "x": x, "y": y, "button": button, "buttons": buttons, "modifiers": modifiers}
        params.update(extra)
        self.call("Input.dispatchMouseEvent", params)

    def drag(self, start, end, button="left", modifiers=0, steps=6):
        mask = {"left": 1, "right": 2, "middle": 4}[button]
        self.mouse("mouseMoved", *start, modifiers=modifiers)
        self.mouse("mousePressed", *start, button=button, buttons=mask, modifiers=modifiers, clickCount=1)
        for k in range(1, steps + 1):
            x = start[0] + (end[0] - start[0]) * k / steps
            y = start[1] + (end[1] - start[1]) * k / steps
            self.mouse("mouseMoved", x, y, button=button, buttons=mask, modifiers=modifiers)
        self.mouse("mouseReleased", *end, button=button, buttons=0, modifiers=modifiers, clickCount=1)

    def key(self, key, code):
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code,
                                                 "text": key if kind == "keyDown" else "",
                                                 "windowsVirtualKeyCode": ord(key.upper())})

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        box = self.evaluate("(() => { const m = document.getElementById('message');"
                            " return m && !m.hidden ? m.textContent : ''; })()")
        if box:
            self.errors.append("the page shows an error: " + box)
        self.drain()
        self.browser.send("Target.closeTarget", {"targetId": self.target})


def camera_hash(cam):
    payload = {"c2w": [float(v) for v in np.asarray(cam["c2w"]).reshape(-1)], "fx": cam["fx"], "fy": cam["fy"],
               "cx": cam["cx"], "cy": cam["cy"], "width": cam["width"], "height": cam["height"]}
    return "#camera=" + urllib.parse.quote(json.dumps(payload, separators=(",", ":")))


# ---------------------------------------------------------------- interaction

# The page has drawn its sorted splats and no sort is pending.
IDLE = ("(() => { const c = document.getElementById('view');"
        " return +(c.dataset.sorts || 0) >= 1 && c.dataset.sorting === '0' && +(c.dataset.frames || 0) >= 1; })()")

# The steps of the interaction test: (name, action, orbit change). The page's controls: left-drag turns
# azimuth by -0.3 deg and elevation by +0.3 deg a pixel; the wheel scales the distance by exp(0.0015 dy);
# right- or shift-drag moves the target by -dx right + dy up, at distance * 2 tan(fov / 2) / height a pixel.
INTERACTION = [
    ("rotate", ("drag", (128, 128), (188, 148), "left", 0)),
    ("zoom", ("wheel", (128, 128), 120)),
    ("pan", ("drag", (140, 120), (110, 140), "right", 0)),
    ("shiftpan", ("drag", (120, 120), (135, 110), "left", 8)),
]


def apply_step(orbit, action, size):
    orbit = json.loads(json.dumps(orbit))
    if action[0] == "wheel":
        orbit["distance"] *= math.exp(0.0015 * action[2])
        return orbit
    _, start, end, button, modifiers = action
    dx, dy = end[0] - start[0], end[1] - start[1]
    if button == "left" and not modifiers:
        orbit["azimuth"] -= 0.3 * dx
        orbit["elevation"] = max(-89.9, min(89.9, orbit["elevation"] + 0.3 * dy))
        return orbit
    pose = orbit_pose(orbit["azimuth"], orbit["elevation"], orbit["distance"], orbit["target"])
    per_pixel = orbit["distance"] * 2 * math.tan(math.radians(orbit["fov"]) / 2) / size
    orbit["target"] = list(np.array(orbit["target"]) + per_pixel * (-dx * pose[:3, 0] + dy * pose[:3, 1]))
    return orbit


def orbit_camera(orbit, size):
    f = 0.5 * size / math.tan(math.radians(orbit["fov"]) / 2)
    return {"c2w": orbit_pose(orbit["azimuth"], orbit["elevation"], orbit["distance"], orbit["target"]),
            "fx": f, "fy": f, "cx": size / 2, "cy": size / 2, "width": size, "height": size}


def render_interaction_steps(splat_tool, ply, initial, size, out):
    """CPU renders of the initial orbit view and of each interaction step's view: {name: path}."""
    orbit, cams = initial, [("initial", orbit_camera(initial, size))]
    for name, action in INTERACTION:
        orbit = apply_step(orbit, action, size)
        cams.append((name, orbit_camera(orbit, size)))
    folder = os.path.join(out, "cpu-orbit")
    transforms = {"frames": [{"file_path": name + ".png", "transform_matrix": c["c2w"].tolist(), "fl_x": c["fx"],
                              "fl_y": c["fy"], "cx": c["cx"], "cy": c["cy"], "w": size, "h": size} for name, c in cams]}
    path = os.path.join(out, "transforms-orbit.json")
    with open(path, "w") as f:
        json.dump(transforms, f, indent=1)
    subprocess.run([splat_tool, "render", ply, "--cameras", path, "--out", folder, "--background", "white"],
                   check=True, stdout=subprocess.DEVNULL)
    return {name: os.path.join(folder, name + ".png") for name, _ in cams}


def check_interaction(browser, url, initial, cpu, args, out, failures):
    size = args.size
    run = PageRun(browser, size, size)
    run.navigate(url)
    ok = run.wait_for(IDLE, args.timeout)
    run.evaluate("document.getElementById('hud').style.display = 'none'")
    run.settle()

    def capture(name):
        run.wait_for(IDLE, args.timeout)
        run.settle()
        path = os.path.join(out, "orbit-%s.png" % name)
        run.screenshot(path)
        return load_rgb(path)

    first = capture("initial")
    results = [("initial", psnr(first, load_rgb(cpu["initial"])))]
    for name, action in INTERACTION:
        sorts = int(run.evaluate("+(document.getElementById('view').dataset.sorts || 0)"))
        if action[0] == "wheel":
            run.mouse("mouseMoved", *action[1])
            run.mouse("mouseWheel", *action[1], deltaX=0, deltaY=action[2])
        else:
            run.drag(action[1], action[2], button=action[3], modifiers=action[4])
        if name == "rotate":  # a new view direction must bring a new order from the worker
            resorted = run.wait_for("+(document.getElementById('view').dataset.sorts || 0) > %d" % sorts, args.timeout)
            if not resorted:
                failures.append("rotating did not re-sort")
        results.append((name, psnr(capture(name), load_rgb(cpu[name]))))
    run.key("r", "KeyR")
    after_key = capture("reset-key")
    run.drag((128, 128), (100, 90))
    run.evaluate("document.getElementById('reset').click()")
    after_button = capture("reset-button")
    run.close()
    report_console(run, "orbit", failures)
    print("orbit controls vs CPU (%dx%d): %s" % (size, size, ", ".join("%s %.2f dB" % r for r in results)))
    key_psnr, button_psnr = psnr(after_key, first), psnr(after_button, first)
    print("reset view: key R %s, button %s (PSNR against the first frame)" %
          tuple("identical" if math.isinf(v) else "%.2f dB" % v for v in (key_psnr, button_psnr)))
    if not ok:
        failures.append("orbit page never drew")
    for name, value in results:
        if value < args.min_psnr:
            failures.append("orbit %s: PSNR %.2f < %.2f" % (name, value, args.min_psnr))
    if key_psnr < 40 or button_psnr < 40:
        failures.append("reset view does not return to the initial view")


# ---------------------------------------------------------------- comparison

def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def load_rgb(path):
    return np.asarray(Image.open(path).convert("RGB"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splat-binary", default=os.environ.get("SPLAT_BINARY", "splat"),
                        help="Orbit's splat tool (for `splat render` and `splat export`)")
    parser.add_argument("--out", default=None, help="folder for the scene, pages and images (default: a temp folder)")
    parser.add_argument("--gaussians", type=int, default=5000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--min-psnr", type=float, default=25.0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each render")
    args = parser.parse_args()

    out = args.out or tempfile.mkdtemp(prefix="orbit-viewer-check-")
    os.makedirs(out, exist_ok=True)
    failures = []
    splat_tool = shutil.which(args.splat_binary) or args.splat_binary

    # Scene: PLY -> .splat written here, checked against `splat export` when the tool is there.
    ply = os.path.join(out, "head.ply")
    write_ply(make_head_scene(args.gaussians), ply)
    data = splat_bytes(read_ply(ply))
    with open(os.path.join(out, "head.splat"), "wb") as f:
        f.write(data)
    exported = os.path.join(out, "head.exported.splat")
    if os.path.exists(splat_tool):
        subprocess.run([splat_tool, "export", ply, "--out", exported], check=True, stdout=subprocess.DEVNULL)
        mine = np.frombuffer(data, dtype=np.uint8).reshape(-1, 32)
        theirs = np.frombuffer(open(exported, "rb").read(), dtype=np.uint8).reshape(-1, 32)
        # Same records in the same order: bytes equal except the scales, exp(log scale), where numpy's
        # float32 exp and Foundation's expf may differ in the last bit.
        same = mine.shape == theirs.shape
        if same:
            fm = np.frombuffer(mine[:, :24].tobytes(), "<f4").reshape(-1, 6)
            ft = np.frombuffer(theirs[:, :24].tobytes(), "<f4").reshape(-1, 6)
            same = (np.array_equal(mine[:, 24:], theirs[:, 24:]) and np.array_equal(fm[:, :3], ft[:, :3])
                    and np.allclose(fm[:, 3:], ft[:, 3:], rtol=1e-6, atol=0))
        print("splat export: %d records, %s the harness's .splat (bytes equal but the last bit of scales: %d)" %
              (len(theirs), "same as" if same else "DIFFERENT from", int((mine[:, 12:24] != theirs[:, 12:24]).any(1).sum())
              if mine.shape == theirs.shape else -1))
        if not same:
            failures.append(".splat writer disagrees with splat export")
    mesh = make_mesh()
    background = [1.0, 1.0, 1.0]
    initial = {"target": [0.0, -0.1, 0.0], "distance": 4.2, "azimuth": 20.0, "elevation": 10.0, "fov": 40.0}
    template = read_template()
    pages = {}
    for name, mesh_bytes in (("plain", b""), ("mesh", mesh)):
        path = os.path.join(out, "viewer-%s.html" % name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(build_page(template, data, mesh_bytes, initial, background))
        pages[name] = "file://" + path
    print("page: %d bytes (%d Gaussians)" % (os.path.getsize(os.path.join(out, "viewer-plain.html")), len(data) // 32))

    # CPU renders of the test cameras.
    cams = test_cameras(args.size)
    cpu_dir = os.path.join(out, "cpu")
    transforms = {"frames": [{"file_path": c["name"] + ".png", "transform_matrix": np.asarray(c["c2w"]).tolist(),
                              "fl_x": c["fx"], "fl_y": c["fy"], "cx": c["cx"], "cy": c["cy"], "w": c["width"],
                              "h": c["height"]} for c in cams]}
    with open(os.path.join(out, "transforms.json"), "w") as f:
        json.dump(transforms, f, indent=1)
    if not os.path.exists(splat_tool):
        sys.exit("no splat tool at %s (pass --splat-binary)" % args.splat_binary)
    subprocess.run([splat_tool, "render", ply, "--cameras", os.path.join(out, "transforms.json"), "--out", cpu_dir,
                    "--background", "white"], check=True, stdout=subprocess.DEVNULL)

    interaction_cpu = render_interaction_steps(splat_tool, ply, initial, args.size, out)

    browser = Browser(args.size, args.size, os.path.join(out, "chromium.log"))
    print("chromium: " + " ".join(browser.command))
    try:
        # Fixed cameras against the CPU renders.
        for cam in cams:
            run = PageRun(browser, cam["width"], cam["height"])
            began = time.time()
            run.navigate(pages["plain"] + camera_hash(cam))
            ok = run.wait_for("document.title === 'rendered' && !!document.getElementById('rendered')", args.timeout)
            elapsed = time.time() - began
            shot = os.path.join(out, "browser-%s.png" % cam["name"])
            run.screenshot(shot)
            renderer = run.evaluate("(() => { const g = document.createElement('canvas').getContext('webgl2');"
                                    " const e = g && g.getExtension('WEBGL_debug_renderer_info');"
                                    " return e ? g.getParameter(e.UNMASKED_RENDERER_WEBGL) : String(!!g); })()")
            run.close()
            a, b = load_rgb(shot), load_rgb(os.path.join(cpu_dir, cam["name"] + ".png"))
            if a.shape != b.shape:
                failures.append("%s: screenshot %s vs CPU %s" % (cam["name"], a.shape, b.shape))
                continue
            value = psnr(a, b)
            diff = np.abs(a.astype(int) - b.astype(int))
            Image.fromarray(np.clip(diff * 4, 0, 255).astype(np.uint8)).save(os.path.join(out, "diff-%s.png" % cam["name"]))
            print("camera %-6s %dx%d: PSNR %.2f dB, max |diff| %d, mean |diff| %.3f, rendered in %.1f s%s (%s)" %
                  (cam["name"], cam["width"], cam["height"], value, diff.max(), diff.mean(), elapsed,
                   "" if ok else " [TIMED OUT]", renderer))
            if not ok:
                failures.append("%s: the page never reported 'rendered'" % cam["name"])
            if value < args.min_psnr:
                failures.append("%s: PSNR %.2f < %.2f" % (cam["name"], value, args.min_psnr))
            report_console(run, "camera " + cam["name"], failures)

        # Interactive page, no fixed camera: it must load, sort and draw without errors, and its orbit
        # controls must move the camera as Camera.orbitPose would (each step against a CPU render).
        check_interaction(browser, pages["plain"], initial, interaction_cpu, args, out, failures)

        run = PageRun(browser, 800, 600)
        run.navigate(pages["plain"])
        ok = run.wait_for(IDLE, args.timeout)
        run.settle()
        run.screenshot(os.path.join(out, "interactive.png"))
        stats = run.evaluate("document.getElementById('stats').textContent")
        print("interactive page 800x600: %s (stats: %r)" % ("drawn" if ok else "NOT DRAWN", stats))
        if not ok:
            failures.append("interactive page never drew")
        run.close()
        report_console(run, "interactive", failures)

        # With a mesh: the toggle exists, and switching to the mesh and back draws without errors.
        run = PageRun(browser, 800, 600)
        run.navigate(pages["mesh"])
        ok = run.wait_for(IDLE, args.timeout)
        toggle = run.evaluate("(() => { const b = document.getElementById('mesh'); return !!b && !b.hidden; })()")
        run.evaluate("document.getElementById('mesh').click()")
        shown = run.wait_for("/triangles/.test(document.getElementById('stats').textContent)", args.timeout)
        time.sleep(0.3)
        run.screenshot(os.path.join(out, "mesh.png"))
        run.evaluate("document.getElementById('mesh').click(); document.getElementById('reset').click()")
        back = run.wait_for("/Gaussians/.test(document.getElementById('stats').textContent)", args.timeout)
        print("mesh page: drawn %s, toggle %s, mesh shown %s, back to splats %s" % (ok, toggle, shown, back))
        if not (ok and toggle and shown and back):
            failures.append("mesh page: drawn %s toggle %s shown %s back %s" % (ok, toggle, shown, back))
        run.close()
        report_console(run, "mesh", failures)
    finally:
        browser.close()
    # Chromium's own log (--enable-logging=stderr) repeats every console message as a CONSOLE line; the
    # page logs nothing in normal operation, so any such line is a failure (a second channel next to CDP).
    console_lines = [l for l in open(os.path.join(out, "chromium.log"), errors="replace") if ":CONSOLE" in l]
    for line in console_lines:
        print("  [chromium log] " + line.rstrip()[:300])
    if console_lines:
        failures.append("%d console line(s) in chromium.log" % len(console_lines))

    print("outputs in " + out)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("all checks passed")
    return 0


def report_console(run, label, failures):
    for warning in run.warnings:
        print("  [%s] warning: %s" % (label, warning))
    for error in run.errors:
        print("  [%s] ERROR: %s" % (label, error))
        failures.append("%s: %s" % (label, error))


if __name__ == "__main__":
    sys.exit(main())

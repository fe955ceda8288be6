import Foundation
import Geometry
import Splat
import Tensor
import TestSupport
import XCTest

/// The tile rasteriser against an independent numpy renderer (Tools/golden/make_splat_fixtures.py)
/// and its backward pass against finite differences.
final class RasterizerTests: XCTestCase {
    struct Scene {
        let gaussians: Gaussians
        let camera: Camera
        let settings: RenderSettings
    }

    func scene(_ name: String) throws -> (Scene, SafeTensorsFile) {
        let f = try Fixtures.file("splat/render.safetensors")
        func values(_ key: String) throws -> [Float] { try f.tensor("\(name).\(key)").toArray() }
        let g = Gaussians(means: try values("means"), logScales: try values("log_scales"), quaternions: try values("quats"),
                          opacityLogits: try values("opacity_logits"), shDegree: 1, sh: try values("sh"))
        let k = try values("intrinsics"), t = try values("t"), bg = try values("background")
        let camera = Camera(width: Int(k[0]), height: Int(k[1]), fx: k[2], fy: k[3], cx: k[4], cy: k[5],
                            rotation: try values("R"), translation: SIMD3(t[0], t[1], t[2]))
        var settings = RenderSettings()
        settings.background = SIMD3(bg[0], bg[1], bg[2])
        settings.antialiased = name == "aa"
        return (Scene(gaussians: g, camera: camera, settings: settings), f)
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, message, file: file, line: line)
    }

    func testForwardMatchesTheNumpyReference() throws {
        for name in ["plain", "aa"] {
            let (s, f) = try scene(name)
            let r = Rasterizer.render(s.gaussians, camera: s.camera, settings: s.settings)
            func expected(_ key: String) throws -> [Float] { try f.tensor("\(name).out.\(key)").toArray() }
            XCTAssertEqual(r.radii.map(Float.init), try expected("radii"), "\(name): radii")
            assertClose(r.rgb, try expected("rgb"), 2e-4, "\(name): rgb")
            assertClose(r.alpha, try expected("alpha"), 2e-4, "\(name): alpha")
            assertClose(r.depth, try expected("depth"), 1e-3, "\(name): depth")
            XCTAssertGreaterThan(r.alpha.max()!, 0.9, "the scene covers pixels")
            XCTAssertGreaterThan(r.instances, s.gaussians.count, "Gaussians span several tiles")
        }
    }

    func depthOrder(_ g: Gaussians, _ camera: Camera) -> [Int] {
        (0..<g.count).sorted {
            camera.toCamera(SIMD3(g.means[3 * $0], g.means[3 * $0 + 1], g.means[3 * $0 + 2])).z
                < camera.toCamera(SIMD3(g.means[3 * $1], g.means[3 * $1 + 1], g.means[3 * $1 + 2])).z
        }
    }

    /// A weighted sum of every output, so each output's gradient path is exercised.
    struct Probe {
        let wRGB: [Float], wAlpha: [Float], wDepth: [Float]
        init(pixels: Int) {
            wRGB = Tensor.normal([3 * pixels], seed: 11).toArray()
            wAlpha = Tensor.normal([pixels], seed: 12).toArray()
            wDepth = Tensor.normal([pixels], std: 0.1, seed: 13).toArray()
        }
        func loss(_ r: RenderedView) -> Double {
            var s = 0.0
            for i in 0..<r.rgb.count { s += Double(r.rgb[i] * wRGB[i]) }
            for i in 0..<r.alpha.count { s += Double(r.alpha[i] * wAlpha[i]) + Double(r.depth[i] * wDepth[i]) }
            return s
        }
    }

    /// Central differences of the rendered loss against the backward pass for parameters of every kind
    /// (means, log-scales, quaternions, opacity logits, SH), in both modes. The 1/255 alpha cut makes
    /// the image jump wherever a footprint's edge crosses a pixel, a bias finite differences cannot
    /// shrink, so the check renders with alphaMin 1e-7 (a smooth image; same code paths) and opacities
    /// below 0.75 (no 0.99 clamp, no early stop); each parameter block is compared as a vector.
    func testBackwardMatchesFiniteDifferences() throws {
        for name in ["plain", "aa"] {
            var (s, _) = try scene(name)
            var smooth = s.settings
            smooth.alphaMin = 1e-7
            var g = s.gaussians
            g.opacityLogits = g.opacityLogits.map { min($0, 1) }
            s = Scene(gaussians: g, camera: s.camera, settings: smooth)
            let pixels = s.camera.width * s.camera.height
            let probe = Probe(pixels: pixels)
            let r = Rasterizer.render(s.gaussians, camera: s.camera, settings: s.settings)
            let grads = Rasterizer.backward(r, s.gaussians, dRGB: probe.wRGB, dAlpha: probe.wAlpha, dDepth: probe.wDepth)
            let visible = (0..<s.gaussians.count).filter { r.radii[2 * $0] > 0 }.prefix(12)
            let blocks: [(String, WritableKeyPath<Gaussians, [Float]>, [Float], Int)] = [
                ("means", \.means, grads.means, 3), ("logScales", \.logScales, grads.logScales, 3),
                ("quaternions", \.quaternions, grads.quaternions, 4), ("opacityLogits", \.opacityLogits, grads.opacityLogits, 1),
                ("sh", \.sh, grads.sh, 12),
            ]
            for (label, path, analytic, width) in blocks {
                var numeric: [Double] = [], exact: [Double] = []
                for i in visible {
                    for k in 0..<width {
                        let index = i * width + k
                        let eps: Float = 1e-3
                        var plus = s.gaussians, minus = s.gaussians
                        plus[keyPath: path][index] += eps
                        minus[keyPath: path][index] -= eps
                        // Two Gaussians swapping depth order change the image by a jump: skip such steps.
                        if depthOrder(plus, s.camera) != depthOrder(minus, s.camera) { continue }
                        let lp = probe.loss(Rasterizer.render(plus, camera: s.camera, settings: s.settings))
                        let lm = probe.loss(Rasterizer.render(minus, camera: s.camera, settings: s.settings))
                        numeric.append((lp - lm) / Double(2 * eps))
                        exact.append(Double(analytic[index]))
                    }
                }
                let diff = zip(numeric, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                let norm = exact.map { $0 * $0 }.reduce(0, +).squareRoot()
                XCTAssertGreaterThan(norm, 1e-3, "\(name) \(label): gradient is not trivially zero")
                XCTAssertLessThanOrEqual(diff / norm, 0.02, "\(name) \(label): relative error \(diff / norm)")
            }
        }
    }

    /// Per-entry gradient records reduced in list order: the same bits whatever the thread count.
    func testBackwardDoesNotDependOnThreads() throws {
        let (s, _) = try scene("plain")
        let probe = Probe(pixels: s.camera.width * s.camera.height)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            Parallel.threads = threads
            let r = Rasterizer.render(s.gaussians, camera: s.camera, settings: s.settings)
            let g = Rasterizer.backward(r, s.gaussians, dRGB: probe.wRGB, dAlpha: probe.wAlpha)
            results.append(r.rgb + g.means + g.logScales + g.quaternions + g.opacityLogits + g.sh)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }
    /// The kernels without the depth channel (what training runs) give the same colour, alpha and
    /// gradients as the full ones with a zero depth gradient, and no depth image.
    func testRenderingWithoutDepthChangesNothingElse() throws {
        let (s, _) = try scene("plain")
        let probe = Probe(pixels: s.camera.width * s.camera.height)
        var noDepth = s.settings
        noDepth.expectedDepth = false
        let full = Rasterizer.render(s.gaussians, camera: s.camera, settings: s.settings)
        let lean = Rasterizer.render(s.gaussians, camera: s.camera, settings: noDepth)
        XCTAssertEqual(full.rgb, lean.rgb)
        XCTAssertEqual(full.alpha, lean.alpha)
        XCTAssertTrue(lean.depth.isEmpty)
        let zeros = [Float](repeating: 0, count: probe.wAlpha.count)
        let a = Rasterizer.backward(full, s.gaussians, dRGB: probe.wRGB, dAlpha: probe.wAlpha, dDepth: zeros)
        let b = Rasterizer.backward(lean, s.gaussians, dRGB: probe.wRGB, dAlpha: probe.wAlpha)
        XCTAssertEqual(a.means + a.logScales + a.quaternions + a.opacityLogits + a.sh + a.means2d,
                       b.means + b.logScales + b.quaternions + b.opacityLogits + b.sh + b.means2d)
        XCTAssertGreaterThan(b.means.map(abs).max()!, 0, "the probe reaches the means")
    }

    /// The tile lists, for any thread count: each tile's entries in (depth, index) order; every entry
    /// inside its Gaussian's box; every box tile where some pixel centre gets alpha >= alpha_min
    /// listed (brute force over the pixels); and fewer entries than the boxes have tiles (the
    /// ellipse test culls). Elongated and tilted footprints, culled Gaussians (zero radius or
    /// opacity below alpha_min), boxes past the image edges and equal depths included.
    func testBinningListsTheTilesEachEllipseReachesByTileThenDepth() {
        var rng = SeededGenerator(seed: 7)
        let n = 700, (tilesX, tilesY) = (5, 4), tile = 16, alphaMin: Float = 1 / 255
        var means2d: [Float] = [], conics: [Float] = [], opacities: [Float] = [], radii: [Int32] = [], depths: [Float] = []
        for i in 0..<n {
            means2d += [Float.random(in: -20...100, using: &rng), Float.random(in: -20...84, using: &rng)]
            let (s1, s2, angle) = (Float.random(in: 0.6...14, using: &rng), Float.random(in: 0.6...4, using: &rng),
                                   Float.random(in: 0...Float.pi, using: &rng))
            let (c, s) = (Foundation.cos(angle), Foundation.sin(angle))
            let (xx, xy, yy) = (c * c * s1 * s1 + s * s * s2 * s2, c * s * (s1 * s1 - s2 * s2), s * s * s1 * s1 + c * c * s2 * s2)
            let det = xx * yy - xy * xy
            conics += [yy / det, -xy / det, xx / det]
            opacities.append(i % 13 == 0 ? 0.003 : Float.random(in: 0.05...1, using: &rng))
            let culled = i % 11 == 0
            radii += culled ? [0, 0] : [Int32((3.5 * xx.squareRoot()).rounded(.up)), Int32((3.5 * yy.squareRoot()).rounded(.up))]
            depths.append(i % 7 == 0 ? 2.5 : Float.random(in: 0.1...9, using: &rng))  // many ties at 2.5
        }
        let splats = Rasterizer.packSplats(means2d: means2d, conics: conics, opacities: opacities,
                                           colours: [Float](repeating: 0.5, count: 3 * n), depths: depths, alphaMin: alphaMin)
        // Box tiles and the tiles some pixel centre of which the footprint reaches.
        var box = Set<[Int]>(), reached = Set<[Int]>()
        for i in 0..<n where radii[2 * i] > 0 || radii[2 * i + 1] > 0 {
            func span(_ c: Float, _ r: Int32, _ limit: Int) -> Range<Int> {
                let lo = Int(min(max(((c - Float(r)) / Float(tile)).rounded(.down), 0), Float(limit)))
                let hi = Int(min(max(((c + Float(r)) / Float(tile)).rounded(.up), 0), Float(limit)))
                return lo..<max(lo, hi)
            }
            let (a, b, c) = (conics[3 * i], conics[3 * i + 1], conics[3 * i + 2])
            for ty in span(means2d[2 * i + 1], radii[2 * i + 1], tilesY) {
                for tx in span(means2d[2 * i], radii[2 * i], tilesX) {
                    box.insert([ty * tilesX + tx, i])
                    search: for py in 0..<tile {
                        for px in 0..<tile {
                            let dx = Float(tx * tile + px) + 0.5 - means2d[2 * i], dy = Float(ty * tile + py) + 0.5 - means2d[2 * i + 1]
                            let power = -0.5 * (a * dx * dx + c * dy * dy) - b * dx * dy
                            if opacities[i] * Foundation.exp(power) >= alphaMin { reached.insert([ty * tilesX + tx, i]); break search }
                        }
                    }
                }
            }
        }
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        var lists: [[Int32]] = []
        for threads in [1, 2, 3] {
            Parallel.threads = threads
            let (ids, ranges) = Rasterizer.bin(splats: splats, radii: radii, depths: depths, tilesX: tilesX, tilesY: tilesY)
            lists.append(ids)
            var listed = Set<[Int]>()
            XCTAssertEqual(ranges[0], 0)
            for t in 0..<(tilesX * tilesY) {
                let entries = ids[Int(ranges[2 * t])..<Int(ranges[2 * t + 1])].map(Int.init)
                if t > 0 { XCTAssertEqual(ranges[2 * t], ranges[2 * t - 1], "tile \(t) starts where the previous ends") }
                XCTAssertEqual(entries, entries.sorted { (depths[$0], $0) < (depths[$1], $1) }, "tile \(t): (depth, index) order")
                for i in entries { listed.insert([t, i]) }
                XCTAssertEqual(Set(entries).count, entries.count, "tile \(t): no Gaussian twice")
            }
            XCTAssertEqual(Int(ranges.last!), ids.count)
            XCTAssertTrue(listed.isSubset(of: box), "\(threads) threads: entries outside their boxes")
            XCTAssertTrue(reached.isSubset(of: listed), "\(threads) threads: \(reached.subtracting(listed).count) reached tiles missing")
            XCTAssertLessThan(listed.count, box.count * 9 / 10, "the ellipse test culls box tiles")
            XCTAssertGreaterThan(reached.count, 200)
        }
        XCTAssertEqual(lists[0], lists[1])
        XCTAssertEqual(lists[0], lists[2])
    }
}

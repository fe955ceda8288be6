import Foundation
import Geometry
import ShadersCPU
import Tensor

/// Per-Gaussian rows of parameters, Adam moments and densification statistics, kept in step when
/// Gaussians are cloned, split or pruned.
struct GaussianRows {
    /// Widths of the parameter blocks: means, log scales, quaternions, opacity logits, SH.
    static func widths(_ g: Gaussians) -> [Int] { [3, 3, 4, 1, 3 * g.shCoefficients] }

    /// rows[i] is the source row of new row i, or -1 for zeros.
    static func gather(_ a: [Float], width: Int, rows: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * width)
        for (i, r) in rows.enumerated() where r >= 0 {
            for k in 0..<width { out[i * width + k] = a[r * width + k] }
        }
        return out
    }
}

/// Adam moments for every parameter of every Gaussian, laid out like `Gaussians` (a class, so the
/// two moment arrays can be written at once).
final class AdamState {
    var m: [[Float]], v: [[Float]]

    init(m: [[Float]], v: [[Float]]) { (self.m, self.v) = (m, v) }

    convenience init(_ g: Gaussians) {
        let zeros = GaussianRows.widths(g).map { [Float](repeating: 0, count: $0 * g.count) }
        self.init(m: zeros, v: zeros)
    }

    /// The moments of `rows` (rows listed in `fresh` start from zero).
    func gathered(rows: [Int], widths: [Int], fresh: Set<Int>) -> AdamState {
        let source = rows.enumerated().map { fresh.contains($0.offset) ? -1 : $0.element }
        return AdamState(m: (0..<widths.count).map { GaussianRows.gather(m[$0], width: widths[$0], rows: source) },
                         v: (0..<widths.count).map { GaussianRows.gather(v[$0], width: widths[$0], rows: source) })
    }
}

/// What one training step measured.
public struct StepReport: Sendable {
    public let step: Int, loss: Float, psnr: Float, gaussians: Int
}

/// 3D Gaussian Splatting optimisation on a set of posed views (Kerbl et al. 2023): random views, the
/// photometric loss, Adam per parameter group, densification (clone, split, prune, opacity reset)
/// and the SH schedule.
public final class SplatTrainer {
    public internal(set) var gaussians: Gaussians
    public let config: TrainingConfig
    public let views: [DatasetView]
    /// 1.1 x the largest distance of a camera from the cameras' mean centre (3DGS's scene radius).
    public let sceneExtent: Float
    public internal(set) var step = 0
    /// An optional perceptual term (LPIPS) added to the loss.
    public var perceptual: PerceptualTerm?

    var adam: AdamState
    var gradientSum: [Float], gradientCount: [Int32]
    private var order: [Int] = []
    /// The views downscaled by 2 and 4, made when the resolution schedule first asks for them.
    private var smallerViews: [Int: [DatasetView]] = [:]

    public init(views: [DatasetView], config: TrainingConfig, initial: Gaussians? = nil) {
        precondition(!views.isEmpty, "training needs views")
        self.views = views
        self.config = config
        sceneExtent = Self.extent(views.map(\.camera))
        gaussians = initial ?? Self.randomInitialisation(views.map(\.camera), config: config)
        adam = AdamState(gaussians)
        gradientSum = [Float](repeating: 0, count: gaussians.count)
        gradientCount = [Int32](repeating: 0, count: gaussians.count)
    }

    static func extent(_ cameras: [Camera]) -> Float {
        let centres = cameras.map(\.centre)
        let mean = centres.reduce(SIMD3<Float>(repeating: 0), +) / Float(centres.count)
        let far = centres.map { (($0 - mean) * ($0 - mean)).sum().squareRoot() }.max() ?? 1
        return 1.1 * max(far, 1e-3)
    }

    /// The point nearest to every camera's optical axis (least squares) and the half-width each
    /// camera sees at that depth (the median): the volume the views look at.
    static func lookAtVolume(_ cameras: [Camera]) -> (centre: SIMD3<Float>, radius: Float) {
        var a = [Double](repeating: 0, count: 9), b = [Double](repeating: 0, count: 3)
        for c in cameras {
            let axis = SIMD3(c.rotation[6], c.rotation[7], c.rotation[8])  // camera +z in world
            let o = c.centre
            for i in 0..<3 {
                for j in 0..<3 { a[i * 3 + j] += Double((i == j ? 1 : 0) - axis[i] * axis[j]) }
                b[i] += Double(o[i] - axis[i] * (axis * o).sum())
            }
        }
        let centre = solve3(a, b).map { SIMD3(Float($0[0]), Float($0[1]), Float($0[2])) } ?? SIMD3(repeating: 0)
        let halfWidths = cameras.map { c -> Float in
            let depth = max(c.toCamera(centre).z, 1e-3)
            return depth * min(Float(c.width) / (2 * c.fx), Float(c.height) / (2 * c.fy))
        }.sorted()
        return (centre, halfWidths[halfWidths.count / 2])
    }

    static func solve3(_ a: [Double], _ b: [Double]) -> [Double]? {
        let det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
        guard abs(det) > 1e-9 else { return nil }
        func replaced(_ col: Int) -> Double {
            var m = a
            for r in 0..<3 { m[r * 3 + col] = b[r] }
            return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
        }
        return (0..<3).map { replaced($0) / det }
    }

    /// Uniform in the look-at sphere, random colours, isotropic scales from the point density,
    /// identity rotations, opacity `initialOpacity`.
    public static func randomInitialisation(_ cameras: [Camera], config: TrainingConfig) -> Gaussians {
        let n = config.initialGaussians
        let (centre, radius) = lookAtVolume(cameras)
        var rng = SeededGenerator(seed: config.seed)
        var positions: [SIMD3<Float>] = []
        while positions.count < n {
            let p = SIMD3(rng.nextUniform() * 2 - 1, rng.nextUniform() * 2 - 1, rng.nextUniform() * 2 - 1)
            if (p * p).sum() <= 1 { positions.append(centre + radius * p) }
        }
        // Colours drawn after all positions, red, green, blue per Gaussian.
        let points = positions.map { p -> (position: SIMD3<Float>, colour: SIMD3<Float>) in
            let r = rng.nextUniform(), g = rng.nextUniform(), b = rng.nextUniform()
            return (p, SIMD3(r, g, b))
        }
        let spacing = Foundation.cbrt(4 / 3 * Float.pi * radius * radius * radius / Float(n))
        return isotropicGaussians(points, spacing: spacing, config: config)
    }

    /// One Gaussian per point (COLMAP's points3D, the 3DGS default for real captures): its colour as
    /// the SH DC term, isotropic scales from the cloud's density (half the mean spacing within the
    /// points' bounding box), identity rotations, opacity `initialOpacity`.
    public static func pointInitialisation(_ points: [(position: SIMD3<Float>, colour: SIMD3<Float>)], config: TrainingConfig) -> Gaussians {
        precondition(!points.isEmpty, "a point cloud initialisation needs points")
        var lo = points[0].position, hi = points[0].position
        for p in points { lo = pointwiseMin(lo, p.position); hi = pointwiseMax(hi, p.position) }
        let extent = hi - lo, volume = max(extent.x, 1e-3) * max(extent.y, 1e-3) * max(extent.z, 1e-3)
        return isotropicGaussians(points, spacing: Foundation.cbrt(volume / Float(points.count)), config: config)
    }

    /// Gaussians at `points` with their colours as the SH DC term, log-scales of half the `spacing`,
    /// identity rotations and opacity `initialOpacity`: what both initialisations build.
    static func isotropicGaussians(_ points: [(position: SIMD3<Float>, colour: SIMD3<Float>)], spacing: Float,
                                   config: TrainingConfig) -> Gaussians {
        let n = points.count, k = (config.shDegree + 1) * (config.shDegree + 1)
        var sh = [Float](repeating: 0, count: 3 * k * n)
        for (i, p) in points.enumerated() { for c in 0..<3 { sh[i * k * 3 + c] = Gaussians.dc(forColour: p.colour[c]) } }
        let logit = Foundation.log(config.initialOpacity / (1 - config.initialOpacity))
        return Gaussians(means: points.flatMap { [$0.position.x, $0.position.y, $0.position.z] },
                         logScales: [Float](repeating: Foundation.log(0.5 * spacing), count: 3 * n),
                         quaternions: (0..<n).flatMap { _ in [Float(1), 0, 0, 0] }, opacityLogits: [Float](repeating: logit, count: n),
                         shDegree: config.shDegree, sh: sh)
    }

    public var activeSHDegree: Int { config.activeSHDegree(atStep: step) }

    /// Views in a seeded random order per pass, so a resumed run sees the same sequence.
    func nextView() -> DatasetView {
        let pass = step / views.count, index = step % views.count
        if index == 0 || order.count != views.count {
            var rng = SeededGenerator(seed: config.seed &+ UInt64(pass) &* 0x9E37_79B9)
            order = Array(0..<views.count)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        }
        let factor = config.downscale(atStep: step)
        guard factor > 1 else { return views[order[index]] }
        if smallerViews[factor] == nil { smallerViews[factor] = views.map { $0.downscaled(by: factor) } }
        return smallerViews[factor]![order[index]]
    }

    /// One optimisation step on the next view.
    @discardableResult
    public func trainStep() -> StepReport {
        let view = nextView()
        var settings = config.render
        settings.activeSHDegree = activeSHDegree
        settings.expectedDepth = false  // the losses read colour only
        let rendered = Rasterizer.render(gaussians, camera: view.camera, settings: settings)
        let value = config.loss.evaluate(rendered: rendered.rgb, target: view.image.pixels, width: rendered.width, height: rendered.height,
                                         mask: config.alphaAsMask ? view.alpha : nil)
        var gradient = value.gradient, loss = value.loss
        if let perceptual, perceptual.applies(atStep: step, width: rendered.width, height: rendered.height) {
            var rng = SeededGenerator(seed: config.seed &+ UInt64(step) &* 0x5851_F42D)
            let (w, h) = (rendered.width, rendered.height)
            let (cw, ch) = perceptual.crop > 0 ? (min(perceptual.crop, w), min(perceptual.crop, h)) : (w, h)
            let x0 = Int(rng.next() % UInt64(w - cw + 1)), y0 = Int(rng.next() % UInt64(h - ch + 1))
            loss += perceptual.apply(rendered: rendered.rgb, target: view.image.pixels, width: w, height: h, x0: x0, y0: y0,
                                     into: &gradient)
        }
        let grads = Rasterizer.backward(rendered, gaussians, dRGB: gradient)
        accumulateDensificationStatistics(rendered, grads)
        applyAdam(grads)
        step += 1
        if config.densifies(afterStep: step) { refine() }
        if config.resetsOpacity(afterStep: step) { resetOpacity() }
        return StepReport(step: step, loss: loss, psnr: value.psnr, gaussians: gaussians.count)
    }

    func accumulateDensificationStatistics(_ r: RenderedView, _ g: GaussianGradients) {
        // 3DGS measures the screen-space gradient in NDC: pixels scale by half the image size.
        let (sx, sy) = (Float(r.width) / 2, Float(r.height) / 2)
        for i in 0..<gaussians.count where r.radii[2 * i] > 0 {
            let (gx, gy) = (g.means2d[2 * i] * sx, g.means2d[2 * i + 1] * sy)
            gradientSum[i] += (gx * gx + gy * gy).squareRoot()
            gradientCount[i] += 1
        }
    }

    func meanRate() -> Float {
        let t = min(1, Float(step) / Float(max(config.iterations, 1)))
        return Foundation.exp(Foundation.log(config.meanRate) * (1 - t) + Foundation.log(config.meanRateFinal) * t) * sceneExtent
    }

    func applyAdam(_ g: GaussianGradients) {
        let t = Float(step + 1), (b1, b2): (Float, Float) = (0.9, 0.999)
        let (bc1, bc2) = (1 - Foundation.pow(b1, t), 1 - Foundation.pow(b2, t))
        let adam = self.adam
        func update(_ p: inout [Float], _ grad: [Float], _ block: Int, _ lr: Float) {
            p.withUnsafeMutableBufferPointer { pp in adam.m[block].withUnsafeMutableBufferPointer { mm in
                adam.v[block].withUnsafeMutableBufferPointer { vv in
                    let (ppp, pm, pv) = (pp.baseAddress!, mm.baseAddress!, vv.baseAddress!)
                    parallelFor(grad.count, grain: 1 << 14) { lo, hi in
                        grad.withUnsafeBufferPointer { gg in
                            nn_adam_step(ppp + lo, gg.baseAddress! + lo, pm + lo, pv + lo, Int64(hi - lo), lr, b1, b2, 1e-15, 0, bc1, bc2, 0)
                        }
                    }
                }
            } }
        }
        update(&gaussians.means, g.means, 0, meanRate())
        update(&gaussians.logScales, g.logScales, 1, config.scaleRate)
        update(&gaussians.quaternions, g.quaternions, 2, config.rotationRate)
        update(&gaussians.opacityLogits, g.opacityLogits, 3, config.opacityRate)
        // SH: the DC coefficients and the higher bands have different rates; [N, K, 3] rows.
        let width = 3 * gaussians.shCoefficients, count = gaussians.count, (dcRate, restRate) = (config.shRate, config.shRestRate)
        gaussians.sh.withUnsafeMutableBufferPointer { pp in adam.m[4].withUnsafeMutableBufferPointer { mm in
            adam.v[4].withUnsafeMutableBufferPointer { vv in g.sh.withUnsafeBufferPointer { gg in
                let (ps, pm, pv, pg) = (pp.baseAddress!, mm.baseAddress!, vv.baseAddress!, gg.baseAddress!)
                parallelFor(count, grain: 4096) { lo, hi in
                    nn_adam_step_rows(ps, pg, pm, pv, Int64(width), Int64(min(3, width)), Int64(lo), Int64(hi), dcRate, restRate, b1, b2,
                                      1e-15, bc1, bc2)
                }
            } }
        } }
    }

    /// gsplat's default strategy: clone small Gaussians and split large ones whose mean screen-space
    /// gradient exceeds the threshold, then prune transparent (and, after the first opacity reset,
    /// oversized) ones; statistics start over.
    func refine() {
        let n = gaussians.count, extent = sceneExtent
        func maxScale(_ i: Int) -> Float {
            Foundation.exp(max(gaussians.logScales[3 * i], gaussians.logScales[3 * i + 1], gaussians.logScales[3 * i + 2]))
        }
        var budget = max(0, config.maxGaussians - n)
        var rows: [Int] = [], fresh = Set<Int>(), splitSources: [Int] = []
        var newMeans: [Int: SIMD3<Float>] = [:]
        var rng = SeededGenerator(seed: config.seed &+ UInt64(step) &* 0xA24B_AED4)
        for i in 0..<n {
            let average = gradientCount[i] > 0 ? gradientSum[i] / Float(gradientCount[i]) : 0
            let grows = average >= config.gradientThreshold && budget > 0
            if grows && maxScale(i) <= config.cloneScaleFraction * extent {
                rows.append(i)
                fresh.insert(rows.count); rows.append(i)  // the clone: same parameters, fresh Adam state
                budget -= 1
            } else if grows {
                splitSources.append(i)  // replaced by two samples below
                budget -= 1
            } else {
                rows.append(i)
            }
        }
        var shrink = Set<Int>()
        for i in splitSources {
            for _ in 0..<2 {
                let z = SIMD3(rng.nextNormal(), rng.nextNormal(), rng.nextNormal())
                let s = SIMD3((0..<3).map { Foundation.exp(gaussians.logScales[3 * i + $0]) })
                let q = Array(gaussians.quaternions[(4 * i)..<(4 * i + 4)])
                newMeans[rows.count] = SIMD3((0..<3).map { gaussians.means[3 * i + $0] }) + rotate(q, s * z)
                fresh.insert(rows.count)
                shrink.insert(rows.count)
                rows.append(i)
            }
        }
        let widths = GaussianRows.widths(gaussians)
        var g = gathered(rows: rows)
        for (row, mean) in newMeans { for a in 0..<3 { g.means[3 * row + a] = mean[a] } }
        for row in shrink { for a in 0..<3 { g.logScales[3 * row + a] -= Foundation.log(1.6) } }
        adam = adam.gathered(rows: rows, widths: widths, fresh: fresh)
        gaussians = g

        // Prune.
        let afterReset = config.hasResetOpacity(byStep: step)
        let keep = (0..<gaussians.count).filter { i in
            let opacity = 1 / (1 + Foundation.exp(-gaussians.opacityLogits[i]))
            if opacity < config.pruneOpacity { return false }
            if afterReset && maxScale(i) > config.pruneScaleFraction * extent { return false }
            return true
        }
        if keep.count < gaussians.count {
            adam = adam.gathered(rows: keep, widths: widths, fresh: [])
            gaussians = gathered(rows: keep)
        }
        gradientSum = [Float](repeating: 0, count: gaussians.count)
        gradientCount = [Int32](repeating: 0, count: gaussians.count)
    }

    func gathered(rows: [Int]) -> Gaussians {
        let g = gaussians
        return Gaussians(means: GaussianRows.gather(g.means, width: 3, rows: rows),
                         logScales: GaussianRows.gather(g.logScales, width: 3, rows: rows),
                         quaternions: GaussianRows.gather(g.quaternions, width: 4, rows: rows),
                         opacityLogits: GaussianRows.gather(g.opacityLogits, width: 1, rows: rows),
                         shDegree: g.shDegree, sh: GaussianRows.gather(g.sh, width: 3 * g.shCoefficients, rows: rows))
    }

    /// 3DGS's opacity reset: every opacity capped at 0.01 (its Adam moments cleared).
    func resetOpacity() {
        let cap = Foundation.log(Float(0.01) / 0.99)
        for i in 0..<gaussians.count where gaussians.opacityLogits[i] > cap {
            gaussians.opacityLogits[i] = cap
            adam.m[3][i] = 0
            adam.v[3][i] = 0
        }
    }

    /// Rotates v by the (normalised) quaternion q = (w, x, y, z).
    func rotate(_ q: [Float], _ v: SIMD3<Float>) -> SIMD3<Float> {
        let m = Camera.rotationMatrix(quaternion: q)
        return SIMD3((SIMD3(m[0], m[1], m[2]) * v).sum(), (SIMD3(m[3], m[4], m[5]) * v).sum(), (SIMD3(m[6], m[7], m[8]) * v).sum())
    }
}

import Foundation
import Geometry
import Imaging
import Splat
import Tensor
import TestSupport
import XCTest

final class SplatTrainerTests: XCTestCase {
    /// Views of a known scene from a ring of cameras around the origin (OpenGL poses as a views folder has them).
    static func views(of scene: Gaussians, count: Int, size: Int, elevation: Float = 15) -> [DatasetView] {
        (0..<count).map { i in
            let a = 2 * Float.pi * Float(i) / Float(count), e = elevation * .pi / 180, d: Float = 3.5
            let p = SIMD3(d * cos(e) * sin(a), d * sin(e), d * cos(e) * cos(a))
            let back = p / d
            var right = SIMD3<Float>(back.z, 0, -back.x)  // up x back
            right /= (right * right).sum().squareRoot()
            let up = SIMD3(back.y * right.z - back.z * right.y, back.z * right.x - back.x * right.z, back.x * right.y - back.y * right.x)
            let c2w: [[Float]] = [[right.x, up.x, back.x, p.x], [right.y, up.y, back.y, p.y], [right.z, up.z, back.z, p.z], [0, 0, 0, 1]]
            let f = 0.5 * Float(size) / tan(18 * Float.pi / 180)
            let camera = Camera(width: size, height: size, fx: f, fy: f, cx: Float(size) / 2, cy: Float(size) / 2, cameraToWorldOpenGL: c2w)
            let r = Rasterizer.render(scene, camera: camera)
            return DatasetView(name: "\(i)", camera: camera, image: Image(width: size, height: size, channels: 3, pixels: r.rgb),
                               alpha: r.alpha)
        }
    }

    static func groundTruth() -> Gaussians {
        let n = 40
        return Gaussians(means: Tensor.uniform([3 * n], low: -0.6, high: 0.6, seed: 1).toArray(),
                         logScales: Tensor.uniform([3 * n], low: -2.6, high: -1.6, seed: 2).toArray(),
                         quaternions: Tensor.normal([4 * n], seed: 3).toArray(),
                         opacityLogits: Tensor.uniform([n], low: 1, high: 4, seed: 4).toArray(), shDegree: 0,
                         sh: Tensor.uniform([3 * n], low: -1.5, high: 1.5, seed: 5).toArray())
    }

    func meanPSNR(_ g: Gaussians, _ views: [DatasetView]) -> Float {
        let values = views.map { v -> Float in
            let r = Rasterizer.render(g, camera: v.camera)
            return PhotometricLoss().evaluate(rendered: r.rgb, target: v.image.pixels, width: v.camera.width, height: v.camera.height).psnr
        }
        return values.reduce(0, +) / Float(values.count)
    }

    /// From random Gaussians in the look-at volume, a short fit reproduces held-out views of a known
    /// scene: densification grows the set, and PSNR on views it never trained on rises far above the start.
    func testFitReproducesHeldOutViewsOfAKnownScene() {
        let truth = Self.groundTruth()
        let all = Self.views(of: truth, count: 24, size: 48)
        let train = all.enumerated().filter { $0.offset % 6 != 0 }.map(\.element)
        let test = all.enumerated().filter { $0.offset % 6 == 0 }.map(\.element)
        var config = TrainingConfig()
        config.iterations = 600
        config.initialGaussians = 1500
        config.shDegree = 1
        config.shInterval = 300
        (config.refineFrom, config.refineEvery, config.resetOpacityEvery) = (100, 50, 10_000)
        let trainer = SplatTrainer(views: train, config: config)
        let start = meanPSNR(trainer.gaussians, test), startCount = trainer.gaussians.count
        var last: StepReport?
        for _ in 0..<config.iterations { last = trainer.trainStep() }
        let end = meanPSNR(trainer.gaussians, test)
        XCTAssertGreaterThan(end, 26, "held-out PSNR \(start) -> \(end) dB")
        XCTAssertGreaterThan(end - start, 10)
        XCTAssertNotEqual(trainer.gaussians.count, startCount, "densification changed the set")
        XCTAssertEqual(last?.step, config.iterations)
        XCTAssertTrue(trainer.gaussians.means.allSatisfy(\.isFinite))
    }
}

extension SplatTrainerTests {
    /// A checkpoint taken mid-run (after densification) resumes to exactly the uninterrupted result.
    func testCheckpointResumesExactly() throws {
        let views = Self.views(of: Self.groundTruth(), count: 8, size: 32)
        var config = TrainingConfig()
        (config.iterations, config.initialGaussians, config.shDegree) = (60, 300, 1)
        (config.refineFrom, config.refineEvery, config.shInterval) = (20, 20, 30)
        let whole = SplatTrainer(views: views, config: config)
        for _ in 0..<60 { whole.trainStep() }

        let first = SplatTrainer(views: views, config: config)
        for _ in 0..<45 { first.trainStep() }
        let path = Fixtures.temporaryDirectory() + "/run.checkpoint.safetensors"
        try first.saveCheckpoint(to: path)
        let second = SplatTrainer(views: views, config: config)
        try second.resume(from: path)
        XCTAssertEqual(second.step, 45)
        for _ in 0..<15 { second.trainStep() }
        XCTAssertEqual(second.gaussians, whole.gaussians)

        let other = SplatTrainer(views: Array(views.prefix(5)), config: config)
        XCTAssertThrowsError(try other.resume(from: path)) { XCTAssertTrue("\($0)".contains("checkpoint of another job"), "\($0)") }
    }
}

extension SplatTrainerTests {
    /// Held-out PSNR after 1000, 2000, 3000 and 5000 iterations with the default schedule does not
    /// fall as the run grows (a reset in the last stretch, as at 3000 before the schedule followed
    /// the run's length, drops it to single digits).
    func testLongerRunsAreNoWorseHeldOut() {
        let all = Self.views(of: Self.groundTruth(), count: 20, size: 32)
        let train = all.enumerated().filter { $0.offset % 5 != 0 }.map(\.element)
        let test = all.enumerated().filter { $0.offset % 5 == 0 }.map(\.element)
        var previous: (iterations: Int, psnr: Float)?
        for iterations in [1000, 2000, 3000, 5000] {
            var config = TrainingConfig()
            (config.iterations, config.initialGaussians, config.maxGaussians, config.shDegree) = (iterations, 800, 2500, 1)
            let trainer = SplatTrainer(views: train, config: config)
            for _ in 0..<iterations { trainer.trainStep() }
            let psnr = meanPSNR(trainer.gaussians, test)
            if let previous {
                XCTAssertGreaterThan(psnr, previous.psnr - 0.5, "held out: \(previous.iterations) iterations \(previous.psnr) dB, \(iterations) \(psnr) dB")
            }
            previous = (iterations, psnr)
        }
    }

    /// Whatever the iteration count, no opacity reset or densification happens in the run's second
    /// half, and every SH band is on by its middle.
    func testScheduleLeavesTheSecondHalfForTraining() {
        for iterations in [1, 10, 999, 1000, 2999, 3000, 3001, 5000, 6000, 7000, 12_345, 30_000, 100_000] {
            var config = TrainingConfig()
            config.iterations = iterations
            let resets = (1...iterations).filter(config.resetsOpacity(afterStep:))
            let refinements = (1...iterations).filter(config.densifies(afterStep:))
            XCTAssertLessThanOrEqual(resets.last ?? 0, iterations / 2, "\(iterations) iterations: resets \(resets)")
            XCTAssertLessThanOrEqual(refinements.last ?? 0, iterations / 2, "\(iterations) iterations")
            if iterations >= 2 * config.shDegree {
                XCTAssertEqual(config.activeSHDegree(atStep: iterations / 2), config.shDegree, "\(iterations) iterations")
            }
            if iterations >= 1000 { XCTAssertFalse(refinements.isEmpty, "\(iterations) iterations densify") }
        }
        var config = TrainingConfig()
        config.iterations = 30_000  // the 3DGS schedule itself: resets every 3000 steps up to 15,000
        XCTAssertEqual((1...30_000).filter(config.resetsOpacity(afterStep:)), [3000, 6000, 9000, 12_000])
    }
}

extension SplatTrainerTests {
    /// The resolution schedule: 1/4 size for the first half of its share, 1/2 for the second, full
    /// size after; a downscaled view keeps its camera consistent with its image (the known scene
    /// rendered through the smaller camera matches the averaged image), and a fit that starts small
    /// still reproduces the held-out views.
    func testCoarseToFineResolutionTrainsOnSmallerViewsFirst() {
        var config = TrainingConfig()
        (config.iterations, config.lowResolutionShare) = (1000, 0.4)
        XCTAssertEqual([0, 199, 200, 399, 400, 999].map(config.downscale(atStep:)), [4, 4, 2, 2, 1, 1])
        config.lowResolutionShare = 0
        XCTAssertEqual([0, 500].map(config.downscale(atStep:)), [1, 1])

        let truth = Self.groundTruth()
        let view = Self.views(of: truth, count: 1, size: 64)[0], small = view.downscaled(by: 4)
        XCTAssertEqual([small.camera.width, small.camera.height, small.image.width, small.alpha.count], [16, 16, 16, 256])
        XCTAssertEqual(small.alpha.reduce(0, +) * 16, view.alpha.reduce(0, +), accuracy: 1e-2, "alpha is averaged")
        let rendered = Rasterizer.render(truth, camera: small.camera)
        let psnr = PhotometricLoss().evaluate(rendered: rendered.rgb, target: small.image.pixels, width: 16, height: 16).psnr
        XCTAssertGreaterThan(psnr, 20, "the smaller camera sees what the averaged image shows")

        let all = Self.views(of: truth, count: 24, size: 48)
        let train = all.enumerated().filter { $0.offset % 6 != 0 }.map(\.element)
        let test = all.enumerated().filter { $0.offset % 6 == 0 }.map(\.element)
        (config.iterations, config.initialGaussians, config.shDegree, config.lowResolutionShare) = (600, 1500, 1, 0.5)
        let trainer = SplatTrainer(views: train, config: config)
        for _ in 0..<config.iterations { trainer.trainStep() }
        XCTAssertGreaterThan(meanPSNR(trainer.gaussians, test), 24)
    }
}

extension SplatTrainerTests {
    /// `splat fit --evaluate-every`: a held-out point every N steps and one at the end, equal to the
    /// final evaluation, with training seconds that grow; the trained model is the same as without it.
    func testFitJobRecordsHeldOutQualityAgainstTime() throws {
        let all = Self.views(of: Self.groundTruth(), count: 10, size: 24)
        let (train, heldOut) = SplatFitJob.split(all, testEvery: 5)
        var config = TrainingConfig()
        (config.iterations, config.initialGaussians, config.shDegree) = (120, 300, 0)
        let folder = Fixtures.temporaryDirectory()
        var job = SplatFitJob(out: folder + "/curve.ply")
        (job.checkpointEvery, job.evaluateEvery) = (0, 50)
        let trainer = SplatTrainer(views: train, config: config)
        guard case let .finished(result) = try job.run(trainer, heldOut: heldOut) else { return XCTFail("the run stopped") }
        XCTAssertEqual(result.curve.map(\.step), [50, 100, 120])
        XCTAssertEqual(result.curve.last?.psnr, result.evaluation.psnr)
        XCTAssertEqual(result.curve.last?.seconds, result.seconds)
        XCTAssertEqual(result.curve.map(\.seconds), result.curve.map(\.seconds).sorted())
        XCTAssertGreaterThan(result.curve[2].psnr, result.curve[0].psnr - 0.5)

        var plain = SplatFitJob(out: folder + "/plain.ply")
        plain.checkpointEvery = 0
        let again = SplatTrainer(views: train, config: config)
        guard case let .finished(other) = try plain.run(again, heldOut: heldOut) else { return XCTFail("the run stopped") }
        XCTAssertTrue(other.curve.isEmpty)
        XCTAssertEqual(again.gaussians, trainer.gaussians, "evaluating changed the training")
    }
}

extension SplatTrainerTests {
    /// `--max-gaussians` bounds the model (and so the memory) at every step, while densification
    /// still grows it up to the bound.
    func testDensificationStaysWithinTheGaussianBudget() {
        let views = Self.views(of: Self.groundTruth(), count: 8, size: 32)
        var config = TrainingConfig()
        (config.iterations, config.initialGaussians, config.maxGaussians, config.shDegree) = (400, 150, 260, 0)
        (config.refineFrom, config.refineEvery, config.gradientThreshold) = (20, 20, 1e-6)
        let trainer = SplatTrainer(views: views, config: config)
        var largest = 0
        for _ in 0..<config.iterations {
            let report = trainer.trainStep()
            XCTAssertLessThanOrEqual(report.gaussians, config.maxGaussians, "step \(report.step)")
            largest = max(largest, report.gaussians)
        }
        XCTAssertGreaterThan(largest, 240, "densification grew the model towards the budget (largest \(largest))")
    }
}

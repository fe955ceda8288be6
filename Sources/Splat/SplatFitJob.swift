import Foundation
import Imaging
import Tensor

/// One fit of splats to views up to the trainer's `config.iterations`, with what a long job needs:
/// a checkpoint every `checkpointEvery` steps and whenever `shouldStop` says so (the run then ends
/// early and a later run resumes exactly), then the PLY, the loss/PSNR curves and the evaluation
/// on the held-out views (the training views when none is held out). `splat fit` and
/// `orbit reconstruct` both run it.
public struct SplatFitJob {
    /// The output PLY; the checkpoint is OUT.checkpoint.safetensors and the curves STEM.curves.png.
    public var out: String
    public var checkpointEvery = 1000
    /// Evaluate on the held-out views every this many steps (0: only at the end). The time these
    /// evaluations take is not counted in the run's seconds, so the curve is quality against training time.
    public var evaluateEvery = 0

    public init(out: String) { self.out = out }

    public var checkpointPath: String { out + ".checkpoint.safetensors" }
    public var curvesPath: String { (out as NSString).deletingPathExtension + ".curves.png" }

    /// Every `testEvery`-th view held out (none when 0 or a single view).
    public static func split(_ all: [DatasetView], testEvery: Int) -> (train: [DatasetView], heldOut: [DatasetView]) {
        guard testEvery > 0 && all.count > 1 else { return (all, []) }
        let indexed = all.enumerated()
        return (indexed.filter { $0.offset % testEvery != 0 }.map(\.element), indexed.filter { $0.offset % testEvery == 0 }.map(\.element))
    }

    /// One point of the held-out quality against training time (`evaluateEvery`).
    public struct CurvePoint: Sendable {
        public let step: Int, seconds: Double, gaussians: Int, psnr: Float, ssim: Float
    }

    public struct Result {
        public let gaussians: Int, seconds: Double
        /// On the held-out views (or the training views when none is held out).
        public let evaluation: SplatEvaluation
        public let heldOut: Int
        /// Every `evaluateEvery` steps of this run (seconds from this run's start, so a resumed
        /// run's clock starts again at 0); empty when `evaluateEvery` is 0.
        public let curve: [CurvePoint]
    }

    public enum Outcome {
        case finished(Result)
        /// Stopped at this step with a checkpoint written.
        case stopped(step: Int)
    }

    /// Loads the checkpoint into `trainer`; throws, naming it, when there is none or it belongs to another job.
    public func resume(_ trainer: SplatTrainer) throws {
        guard FileManager.default.fileExists(atPath: checkpointPath) else { throw SplatInputError(checkpointPath, "no such file to resume from") }
        try trainer.resume(from: checkpointPath)
    }

    /// Trains from the trainer's step and writes the outputs. `progress` sees every step's report.
    /// `evaluated` sees each point of the curve as it is measured (`evaluateEvery`), the last one included.
    public func run(_ trainer: SplatTrainer, heldOut: [DatasetView], shouldStop: () -> Bool = { false },
                    progress: (StepReport) -> Void = { _ in }, evaluated: (CurvePoint) -> Void = { _ in }) throws -> Outcome {
        let iterations = trainer.config.iterations, started = Date()
        let evaluationViews = heldOut.isEmpty ? trainer.views : heldOut
        var reports: [StepReport] = [], curve: [CurvePoint] = [], evaluating = 0.0
        func record(_ e: SplatEvaluation, step: Int, seconds: Double) {
            curve.append(CurvePoint(step: step, seconds: seconds, gaussians: trainer.gaussians.count, psnr: e.psnr, ssim: e.ssim))
            evaluated(curve[curve.count - 1])
        }
        while trainer.step < iterations {
            let report = trainer.trainStep()
            if report.step % 10 == 0 || report.step == iterations { reports.append(report) }
            if evaluateEvery > 0 && report.step % evaluateEvery == 0 && report.step < iterations {
                let evaluationStarted = Date()
                record(SplatEvaluation.evaluate(trainer.gaussians, views: evaluationViews, settings: trainer.config.render),
                       step: report.step, seconds: evaluationStarted.timeIntervalSince(started) - evaluating)
                evaluating += Date().timeIntervalSince(evaluationStarted)
            }
            progress(report)
            if shouldStop() {
                try trainer.saveCheckpoint(to: checkpointPath)
                return .stopped(step: trainer.step)
            }
            if checkpointEvery > 0 && report.step % checkpointEvery == 0 && report.step < iterations {
                try trainer.saveCheckpoint(to: checkpointPath)
            }
        }
        let seconds = Date().timeIntervalSince(started) - evaluating
        try PLYFile.write(trainer.gaussians, to: out)
        try ImageIO.write(TrainingCurves.plot(reports), to: curvesPath)
        try? FileManager.default.removeItem(atPath: checkpointPath)
        AtomicFile.removeStaleTemporaries(of: checkpointPath)  // a killed run's half-written checkpoint
        let evaluation = SplatEvaluation.evaluate(trainer.gaussians, views: evaluationViews, settings: trainer.config.render)
        if evaluateEvery > 0 { record(evaluation, step: iterations, seconds: seconds) }
        return .finished(Result(gaussians: trainer.gaussians.count, seconds: seconds, evaluation: evaluation,
                                heldOut: heldOut.count, curve: curve))
    }
}

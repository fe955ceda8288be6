import Foundation
import Geometry
import Imaging
import NN
import Splat
import Tensor
import Training

/// A checkpoint file's tensors and metadata, to craft bad seeds from a good checkpoint.
struct CheckpointContents {
    var tensors: [String: Tensor]
    var metadata: [String: String]

    init(path: String) throws {
        let file = try SafeTensorsFile(path: path)
        tensors = Dictionary(uniqueKeysWithValues: try file.names.map { ($0, Tensor(try file.tensor($0).toArray(), shape: file.entries[$0]!.shape)) })
        metadata = file.metadata
    }

    /// The bytes of this checkpoint with `change` applied, written through `path`.
    func crafted(through path: String, _ change: (inout CheckpointContents) -> Void) throws -> Data {
        var copy = self
        change(&copy)
        try SafeTensors.write(copy.tensors.map { ($0.key, $0.value) }, metadata: copy.metadata, to: path)
        return try SeedCorpus.file(path)
    }

    /// `key` as a flat vector with `edit` applied to its values.
    mutating func edit(_ key: String, _ edit: (inout [Float]) -> Void) {
        guard var values = tensors[key]?.toArray() else { return }
        edit(&values)
        tensors[key] = Tensor(values, shape: [values.count])
    }
}

/// `splat fit --resume`'s checkpoint through `SplatTrainer.resume(from:)`: the fingerprint of the
/// views, the step against the run's iterations, every block sized for one Gaussian count, finite
/// values, Adam's second moments and the densification statistics in range. A checkpoint it accepts
/// must then train (one `trainStep`, as the resumed fit does next: the Adam and rasteriser kernels
/// see it). The trainer is built once on four 16x16 views around the origin, SH degree 1, 40 iterations.
final class SplatCheckpointHarness: FuzzHarness {
    let path: String
    let trainer: SplatTrainer

    init(scratch: ScratchFolder) throws {
        path = scratch.file("fit.ply.checkpoint.safetensors")
        trainer = SplatTrainer(views: Self.views(), config: Self.config)
    }

    static var config: TrainingConfig {
        var config = TrainingConfig()
        (config.iterations, config.initialGaussians, config.shDegree, config.refineFrom, config.refineEvery) = (40, 6, 1, 2, 2)
        return config
    }

    /// Four views on a ring at distance 3.5 looking at the origin, grey with a lighter square.
    static func views() -> [DatasetView] {
        let rig = OrbitRig()
        return (0..<4).map { i in
            let view = OrbitView(elevation: 10, azimuth: Float(90 * i))
            let focal = rig.focalLength(size: 16)
            let camera = Camera(width: 16, height: 16, fx: focal, fy: focal, cx: 8, cy: 8, cameraToWorldOpenGL: rig.cameraToWorld(view))
            let pixels = (0..<(16 * 16 * 3)).map { j -> Float in (4..<12).contains(j / 48) && (4..<12).contains(j / 3 % 16) ? 0.8 : 0.3 }
            return DatasetView(name: "\(i)", camera: camera, image: Image(width: 16, height: 16, channels: 3, pixels: pixels),
                               alpha: [Float](repeating: 1, count: 256))
        }
    }

    func run(_ input: Data) throws {
        try input.write(to: URL(fileURLWithPath: path))
        try trainer.resume(from: path)
        let report = trainer.trainStep()
        guard report.loss.isFinite else { finding("a resumed checkpoint trained to loss \(report.loss)") }
    }

    func seeds() throws -> [String: Data] {
        let fresh = SplatTrainer(views: Self.views(), config: Self.config)
        var seeds: [String: Data] = [:]
        try fresh.saveCheckpoint(to: path)
        seeds["step0.safetensors"] = try SeedCorpus.file(path)
        for _ in 0..<5 { fresh.trainStep() }
        try fresh.saveCheckpoint(to: path)
        seeds["step5.safetensors"] = try SeedCorpus.file(path)
        let good = try CheckpointContents(path: path)
        seeds["bad-short-adam.safetensors"] = try good.crafted(through: path) { $0.edit("adam_m.means") { $0.removeLast(3) } }
        seeds["bad-nan-count.safetensors"] = try good.crafted(through: path) { $0.edit("gradient_count") { $0[0] = .nan } }
        seeds["bad-negative-step.safetensors"] = try good.crafted(through: path) { $0.metadata["step"] = "-100" }
        seeds["bad-huge-scale.safetensors"] = try good.crafted(through: path) { $0.edit("log_scales") { $0[1] = 1e30 } }
        return seeds
    }
}

/// `orbit train ... --resume`'s checkpoint through `TrainerCheckpoint.restore` (the VAE, generator,
/// identity, NPHM and prior jobs): fingerprint, step, adam_step and the loss history in the metadata,
/// parameters, Adam moments and EMA shadows of the model's shapes, finite, second moments not negative.
/// A checkpoint it accepts then takes one optimiser and EMA step, as the resumed job does next (the
/// Adam kernel and the EMA see it; how large finite values train is the model's business, not the
/// reader's). The "model" is two parameters, [3, 4] and [5], with AdamW and an EMA.
final class TrainerCheckpointHarness: FuzzHarness {
    static let fingerprint = "orbit-fuzz trainer"
    let path: String
    let parameters: [(String, Tensor)]
    let optimizer: Adam
    let ema: ExponentialMovingAverage

    init(scratch: ScratchFolder) {
        path = scratch.file("run/checkpoint.safetensors")
        parameters = [("a", Tensor.normal([3, 4], seed: 1).requiringGrad()), ("b", Tensor.normal([5], seed: 2).requiringGrad())]
        optimizer = Adam.adamW(groups: [ParameterGroup(parameters: parameters.map(\.1), learningRate: 0.01, weightDecay: 0.1)])
        ema = ExponentialMovingAverage(parameters, decay: 0.9)
    }

    /// One training step of the two-parameter model.
    func step() {
        optimizer.zeroGrad()
        let loss = (parameters[0].1 * parameters[0].1).sum() + (parameters[1].1 - 0.5).abs().sum()
        loss.backward()
        optimizer.update()
        ema.update(parameters, step: optimizer.step)
    }

    func run(_ input: Data) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try input.write(to: URL(fileURLWithPath: path))
        _ = try TrainerCheckpoint.restore(from: path, fingerprint: Self.fingerprint, parameters: parameters, optimizer: optimizer, ema: ema)
        step()
    }

    func seeds() throws -> [String: Data] {
        var seeds: [String: Data] = [:]
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        for _ in 0..<2 { step() }
        try TrainerCheckpoint.save(to: path, step: 2, fingerprint: Self.fingerprint, parameters: parameters, optimizer: optimizer, ema: ema,
                                   history: [LossRecord(step: 1, loss: 2.5, terms: ["l1": 2]), LossRecord(step: 2, loss: 2.25)])
        seeds["step2.safetensors"] = try SeedCorpus.file(path)
        let good = try CheckpointContents(path: path)
        seeds["no-moments.safetensors"] = try good.crafted(through: path) { c in
            for key in c.tensors.keys where key.hasPrefix("adam_") { c.tensors[key] = nil }
        }
        seeds["bad-ema-shape.safetensors"] = try good.crafted(through: path) { $0.edit("ema.b") { $0.removeLast() } }
        seeds["bad-history.safetensors"] = try good.crafted(through: path) { $0.metadata["history"] = "[{\"step\": 1}]" }
        seeds["bad-adam-step.safetensors"] = try good.crafted(through: path) { $0.metadata["adam_step"] = "\(Int.max)" }
        seeds["bad-other-run.safetensors"] = try good.crafted(through: path) { $0.metadata["fingerprint"] = "another run" }
        return seeds
    }
}

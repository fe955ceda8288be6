import Foundation
import Tensor

/// The whole training state in one safetensors file (Gaussians, Adam moments, densification
/// statistics, step), written atomically, so an interrupted `splat fit` resumes where it stopped.
extension SplatTrainer {
    static let blockNames = ["means", "log_scales", "quaternions", "opacity_logits", "sh"]

    /// What the checkpoint must match to be resumed: the views (count and size) and the SH degree.
    var checkpointFingerprint: String {
        "\(views.count) views \(views[0].camera.width)x\(views[0].camera.height) sh \(config.shDegree)"
    }

    public func saveCheckpoint(to path: String) throws {
        let g = gaussians
        let blocks = [g.means, g.logScales, g.quaternions, g.opacityLogits, g.sh]
        var tensors: [(String, Tensor)] = []
        for (b, name) in Self.blockNames.enumerated() {
            tensors.append((name, Tensor(blocks[b], shape: [blocks[b].count])))
            tensors.append(("adam_m.\(name)", Tensor(adam.m[b], shape: [adam.m[b].count])))
            tensors.append(("adam_v.\(name)", Tensor(adam.v[b], shape: [adam.v[b].count])))
        }
        tensors.append(("gradient_sum", Tensor(gradientSum, shape: [gradientSum.count])))
        tensors.append(("gradient_count", Tensor(gradientCount.map(Float.init), shape: [gradientCount.count])))
        try SafeTensors.write(tensors, metadata: ["step": "\(step)", "fingerprint": checkpointFingerprint,
                                                  "sh_degree": "\(g.shDegree)"], to: path)
    }

    /// Restores a checkpoint written by `saveCheckpoint`; throws (naming the file) when it belongs to
    /// other views or is damaged.
    public func resume(from path: String) throws {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw SplatInputError(path, "cannot read the checkpoint: \(error)") }
        guard file.metadata["fingerprint"] == checkpointFingerprint, let step = file.metadata["step"].flatMap(Int.init) else {
            throw SplatInputError(path, "checkpoint of another job (\(file.metadata["fingerprint"] ?? "?"), "
                                  + "this one is \(checkpointFingerprint)); remove it or drop --resume")
        }
        func values(_ key: String) throws -> [Float] {
            guard file.entries[key] != nil else { throw SplatInputError(path, "checkpoint lacks \(key)") }
            return try file.tensor(key).toArray()
        }
        let blocks = try Self.blockNames.map(values)
        let n = blocks[3].count
        let restored = Gaussians(means: blocks[0], logScales: blocks[1], quaternions: blocks[2], opacityLogits: blocks[3],
                                 shDegree: config.shDegree, sh: blocks[4])
        guard restored.count == n else { throw SplatInputError(path, "inconsistent checkpoint") }
        gaussians = restored
        adam = AdamState(m: try Self.blockNames.map { try values("adam_m.\($0)") }, v: try Self.blockNames.map { try values("adam_v.\($0)") })
        gradientSum = try values("gradient_sum")
        gradientCount = try values("gradient_count").map { Int32($0) }
        self.step = step
    }
}

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

    /// Restores a checkpoint written by `saveCheckpoint`; throws (naming the file and the problem) when
    /// it belongs to other views or does not fit together, before any kernel sees it: every block
    /// sized for the same Gaussian count (the Adam kernels write as far as the parameters reach),
    /// every value finite, Adam's second moments and the densification statistics non-negative,
    /// gradient counts whole numbers up to the step, the step a whole number in 0...iterations.
    public func resume(from path: String) throws {
        func fail(_ problem: String) -> SplatInputError { SplatInputError(path, problem) }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw fail("cannot read the checkpoint: \(error)") }
        guard file.metadata["fingerprint"] == checkpointFingerprint else {
            throw fail("checkpoint of another job (\(file.metadata["fingerprint"] ?? "?"), "
                       + "this one is \(checkpointFingerprint)); remove it or drop --resume")
        }
        let stepText = file.metadata["step"] ?? "(none)"
        guard let step = Int(stepText), (0...config.iterations).contains(step) else {
            throw fail("step \(stepText) is not a whole number in 0...\(config.iterations) (the run's iterations)")
        }
        guard let logits = file.entries["opacity_logits"] else { throw fail("checkpoint lacks opacity_logits") }
        let n = logits.shape.reduce(1, *), k = (config.shDegree + 1) * (config.shDegree + 1)
        /// The tensor `key`, checked to hold `width` values per Gaussian, all finite and in low...high.
        func values(_ key: String, width: Int, low: Float = -.greatestFiniteMagnitude, high: Float = .greatestFiniteMagnitude) throws -> [Float] {
            guard let entry = file.entries[key] else { throw fail("checkpoint lacks \(key)") }
            let count = entry.shape.reduce(1, *)
            guard count == n * width else {
                throw fail("\(key) holds \(count) values; \(n) Gaussians need \(n * width) (\(width) each)")
            }
            let v = try file.tensor(key).toArray()
            if let bad = v.firstIndex(where: { !($0 >= low && $0 <= high) }) {
                throw fail("\(key)[\(bad)] is \(v[bad]) (\(!v[bad].isFinite ? "not finite" : v[bad] < low ? "below \(low)" : "above \(high)"))")
            }
            return v
        }
        let widths = [3, 3, 4, 1, 3 * k]
        let blocks = try zip(Self.blockNames, widths).map { try values($0, width: $1) }
        let restored = Gaussians(means: blocks[0], logScales: blocks[1], quaternions: blocks[2], opacityLogits: blocks[3],
                                 shDegree: config.shDegree, sh: blocks[4])
        if let problem = restored.firstProblem() { throw fail(problem) }
        let m = try zip(Self.blockNames, widths).map { try values("adam_m.\($0)", width: $1) }
        let v = try zip(Self.blockNames, widths).map { try values("adam_v.\($0)", width: $1, low: 0) }
        let sums = try values("gradient_sum", width: 1, low: 0)
        let counts = try values("gradient_count", width: 1, low: 0, high: Float(min(step, 1 << 24)))
        if let fractional = counts.firstIndex(where: { $0.rounded() != $0 }) {
            throw fail("gradient_count[\(fractional)] is \(counts[fractional]), not a whole number")
        }
        gaussians = restored
        adam = AdamState(m: m, v: v)
        gradientSum = sums
        gradientCount = counts.map { Int32($0) }
        self.step = step
    }
}

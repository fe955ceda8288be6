import Foundation
import Pipeline

/// Everything `orbit reconstruct` decides, from its quality preset and the user's overrides. A run
/// resumes only with the same settings (the differing keys are named otherwise).
public struct ReconstructionSettings: Codable, Equatable, Sendable {
    public enum Quality: String, Codable, CaseIterable, Sendable { case fast, `default`, best }

    public var quality: Quality
    /// The orbit's sampling (dpm++2m) and seed (also the mesh prior's).
    public var sampler = "dpm++2m", steps: Int, seed: UInt64 = 0
    /// Splat fitting: iterations, every K-th generated view held out for the report's metrics.
    public var splatIterations: Int, testEvery = 8
    /// The mesh branch: marching-cubes resolution, how the latent is estimated and from how many draws.
    public var meshResolution: Int, meshEstimate = HeadReconstruction.defaultEstimate, meshDraws = HeadReconstruction.defaultDraws
    /// Adam steps fitting each of the latent's geometry and expression codes to the face regressed from the portrait (HeadShapeRefinement); 0: none.
    public var meshRefineSteps = HeadShapeRefinement().steps
    /// The turntable: frames and image side.
    public var turntableFrames: Int, turntableSize: Int
    /// Identity of the inputs: the portrait's pixels and the models used.
    public var portrait = "", generator = "", headModel = ""

    /// The preset's choices (times measured in README.md).
    public init(quality: Quality) {
        self.quality = quality
        switch quality {
        case .fast: (steps, splatIterations, meshResolution, turntableFrames, turntableSize) = (10, 1500, 128, 60, 256)
        case .default: (steps, splatIterations, meshResolution, turntableFrames, turntableSize) = (15, 3000, 192, 120, 384)
        case .best: (steps, splatIterations, meshResolution, turntableFrames, turntableSize) = (25, 7000, 256, 120, 512)
        }
    }

    /// The settings as a JSON object (what report.json and reconstruct.json hold).
    public var jsonObject: [String: Any] {
        (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(self))) as? [String: Any] ?? [:]
    }

    /// Keys whose values differ from `other`'s, sorted.
    public func differences(from other: ReconstructionSettings) -> [String] {
        let (a, b) = (jsonObject.mapValues { "\($0)" }, other.jsonObject.mapValues { "\($0)" })
        return Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }
}

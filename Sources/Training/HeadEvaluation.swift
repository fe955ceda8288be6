import Foundation
import Geometry
import Models
import NN
import Pipeline
import Tensor

/// Fits a sample's codes with the head model frozen (the auto-decoder's own inference): Adam on the
/// three codes against the sample's near-surface and volume signed distances and colours.
public struct NPHMFitting {
    public var steps = 150
    public var points = 2048
    public var learningRate: Float = 1e-2
    /// Weight of the codes' squared norms (keeps them near the training distribution).
    public var regularisation: Float = 1e-3
    public var seed: UInt64 = 0

    public init() {}

    /// codes [1, *] each, from `start`.
    public func fit(_ head: NPHMHead, sample: NPHMSample, start: (geometry: Tensor, appearance: Tensor, expression: Tensor))
        -> (geometry: Tensor, appearance: Tensor, expression: Tensor) {
        let codes = [start.geometry, start.appearance, start.expression].map { $0.clone().requiringGrad() }
        let optimizer = Adam(groups: [ParameterGroup(parameters: codes, learningRate: learningRate)])
        var random = SeededGenerator(seed: seed)
        let volumeShare = points / 8
        for _ in 0..<steps {
            var batch = NPHMPointBatch(near: points - volumeShare, volume: volumeShare)
            batch.append(sample) { Int(random.next() % UInt64($0)) }
            optimizer.zeroGrad()
            let out = head(points: batch.pointTensor, geometry: codes[0], appearance: codes[1], expression: codes[2])
            let (surface, volume, colour) = batch.terms(out)
            let sdf = surface + volume * 0.1
            let norms = codes.map { ($0 * $0).sum() }.reduce(Tensor.scalar(0), +) * regularisation
            (sdf + colour * 0.1 + norms).backward()
            optimizer.update()
        }
        return (codes[0].detached(), codes[1].detached(), codes[2].detached())
    }
}

/// `orbit evaluate mesh`: head meshes of held-out test subjects against their ground-truth face
/// region (the FaceKit "face" vertices of mesh.ply), neutral (appearance 0) and expressive apart.
/// Methods: the prior from the front view (what `orbit mesh` does), the mean training latent, and
/// codes fitted to the sample's own signed distances (the head model's ceiling).
public struct HeadEvaluation {
    /// FaceKit's "face" region is its first 9,409 vertices (research/nphm.md section 5).
    public static let faceVertices = 9409
    /// The portrait: the front view at elevation 0.
    public static let portraitView = 16
    public static let centimetresPerUnit: Float = 18

    public var data: String
    public var model: HeadModel
    public var encoder: HeadConditionEncoder
    public var subjects: Int?
    public var resolution = 128
    public var fitting = NPHMFitting()
    public var seed: UInt64 = 0

    public init(data: String, model: HeadModel, encoder: HeadConditionEncoder) { (self.data, self.model, self.encoder) = (data, model, encoder) }

    public static let methods = ["prior", "mean_code", "fitted"]

    /// Means per method and group ("neutral", "expressive", "all"), in centimetres.
    public func run(log: (String) -> Void) throws -> [String: Any] {
        var sets = try SynthImageSets(root: data).imageSets(split: "test")
        if let subjects {
            let keep = Set(Array(Set(sets.map(\.subject))).sorted().prefix(subjects))
            sets = sets.filter { keep.contains($0.subject) }
        }
        let faces = try FaceAnalysis.pretrained()
        var reconstruction = HeadReconstruction(model: model, encoder: encoder, faces: faces)
        reconstruction.priorSteps = 50
        let mean = model.prior.latentMean.unsqueezed(0)
        var rows: [String: [String: [SurfaceComparison.Metrics]]] = [:]
        let meanMesh = reconstruction.mesh(mean, resolution: resolution)  // the same for every sample
        for (i, set) in sets.enumerated() {
            let truthMesh = try NPHMData.mesh(of: set)
            let sample = try NPHMData.load(set, mesh: truthMesh)
            let faceTriangles = Mesh.triangles(truthMesh.triangles) { $0 < Int32(Self.faceVertices) }
            let truth = (Array(truthMesh.positions[0..<(3 * Self.faceVertices)]), faceTriangles)
            let (condition, _) = reconstruction.condition(of: try set.viewImage(Self.portraitView))
            let predicted = reconstruction.latents(for: condition, seed: seed &+ UInt64(i))
            let start = model.layout.split(mean)
            let fitted = fitting.fit(model.head, sample: sample, start: start)
            let latents = ["prior": predicted, "mean_code": mean,
                           "fitted": model.layout.join(geometry: fitted.geometry, appearance: fitted.appearance, expression: fitted.expression)]
            let group = set.appearance == 0 ? "neutral" : "expressive"
            var line = "\(set.name):"
            for method in Self.methods {
                let mesh = method == "mean_code" ? meanMesh : reconstruction.mesh(latents[method]!, resolution: resolution)
                guard !mesh.triangles.isEmpty else { log("\(set.name) \(method): empty mesh"); continue }
                let unit = 1 / Self.centimetresPerUnit
                let m = SurfaceComparison.compare(prediction: (mesh.positions, mesh.triangles), truth: truth, rejection: 1 * unit,
                                                  reach: 2 * unit, thresholds: [0.1 * unit, 0.25 * unit], seed: seed &+ UInt64(i))
                rows[method, default: [:]][group, default: []].append(m)
                line += String(format: " %@ %.3f cm", method, m.truthToPredictionL1 * Self.centimetresPerUnit)
            }
            log(line + " (one-directional L1, \(i + 1)/\(sets.count))")
        }
        var report: [String: Any] = ["data": data, "resolution": resolution, "samples": sets.count, "units": "cm",
                                     "fit_steps": fitting.steps, "alignment": "rigid ICP (1 cm rejection, normals >= 0.2)"]
        for (method, groups) in rows {
            var summary: [String: Any] = [:]
            for (group, list) in groups.merging(["all": groups.values.flatMap { $0 }], uniquingKeysWith: { a, _ in a }) {
                summary[group] = Self.mean(list)
            }
            report[method] = summary
        }
        return report
    }

    static func mean(_ list: [SurfaceComparison.Metrics]) -> [String: Any] {
        let n = Float(max(list.count, 1)), cm = centimetresPerUnit
        func avg(_ f: (SurfaceComparison.Metrics) -> Float) -> Float { list.map(f).reduce(0, +) / n }
        return ["samples": list.count, "chamfer_l1_one_way": avg(\.truthToPredictionL1) * cm, "chamfer_l2_one_way": avg(\.truthToPrediction) * cm,
                "chamfer_symmetric": avg(\.symmetric) * cm, "normal_consistency": avg(\.normalConsistency),
                "f_score_1mm": avg { $0.fScores[0] }, "f_score_2_5mm": avg { $0.fScores[1] }]
    }
}

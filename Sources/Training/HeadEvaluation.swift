import Foundation
import Geometry
import Models
import NN
import Pipeline
import Synth
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

    /// Steps between checks of the codes on a fixed batch; the best checked codes are returned, so a
    /// step that overshoots late in the fit cannot spoil it.
    public var checkEvery = 25

    /// codes [1, *] each, from `start`.
    public func fit(_ head: NPHMHead, sample: NPHMSample, start: (geometry: Tensor, appearance: Tensor, expression: Tensor))
        -> (geometry: Tensor, appearance: Tensor, expression: Tensor) {
        let codes = [start.geometry, start.appearance, start.expression].map { $0.clone().requiringGrad() }
        let optimizer = Adam(groups: [ParameterGroup(parameters: codes, learningRate: learningRate)])
        var random = SeededGenerator(seed: seed)
        let volumeShare = points / 8
        func drawBatch() -> NPHMPointBatch {
            var batch = NPHMPointBatch(near: points - volumeShare, volume: volumeShare)
            batch.append(sample) { Int(random.next() % UInt64($0)) }
            return batch
        }
        /// The SDF term (what the fit is for) and the colour term of codes on a batch.
        func losses(_ batch: NPHMPointBatch, _ codes: [Tensor]) -> (sdf: Tensor, colour: Tensor) {
            let out = head(points: batch.pointTensor, geometry: codes[0], appearance: codes[1], expression: codes[2])
            let (surface, volume, colour) = batch.terms(out)
            return (surface + volume * 0.1, colour)
        }
        let check = drawBatch()
        func checked() -> Float { noGrad { losses(check, codes).sdf.item() } }
        var best = (loss: checked(), codes: codes.map { $0.detached().clone() })
        for step in stride(from: 1, through: steps, by: 1) {
            optimizer.zeroGrad()
            let (sdf, colour) = losses(drawBatch(), codes)
            let norms = codes.map { ($0 * $0).sum() }.reduce(Tensor.scalar(0), +) * regularisation
            (sdf + colour * 0.1 + norms).backward()
            optimizer.update()
            if step % checkEvery == 0 || step == steps, case let loss = checked(), loss < best.loss {
                best = (loss, codes.map { $0.detached().clone() })
            }
        }
        return (best.codes[0], best.codes[1], best.codes[2])
    }
}

/// `orbit evaluate mesh`: head meshes of held-out test subjects against their ground-truth face
/// region (the FaceKit "face" vertices of mesh.ply), neutral (appearance 0) and expressive apart.
/// Methods: one prior draw from the front view, the mean of `draws` prior draws (what `orbit mesh`
/// does by default), the prior's one-step estimate of the condition's mean latent (`posteriorMean`),
/// that estimate with its geometry (and expression) code fitted to the regressed face
/// (`HeadShapeRefinement`), the mean training latent, and codes fitted to the sample's own signed
/// distances (the head model's ceiling).
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
    public var draws = HeadReconstruction.defaultDraws
    /// When set, each sample's meshes are written there as NAME_METHOD.ply (for looking at them).
    public var meshFolder: String?

    public init(data: String, model: HeadModel, encoder: HeadConditionEncoder) { (self.data, self.model, self.encoder) = (data, model, encoder) }

    public static let methods = ["prior", "prior_average", "prior_mean", "prior_refined_geometry", "prior_refined", "mean_code", "fitted"]
    /// The shape refinement of "prior_refined" (the posterior mean, its geometry and expression codes
    /// fitted to the face regressed from the portrait's embedding; "prior_refined_geometry": the
    /// geometry code only).
    public var refinement = HeadShapeRefinement()
    /// The methods to run (a subset of `methods`, in its order).
    public var selected = HeadEvaluation.methods

    /// Means per method and group ("neutral", "expressive", "all"), in centimetres.
    public func run(log: (String) -> Void) throws -> [String: Any] {
        var sets = try SynthImageSets(root: data).imageSets(split: "test")
        if let subjects {
            let keep = Set(Array(Set(sets.map(\.subject))).sorted().prefix(subjects))
            sets = sets.filter { keep.contains($0.subject) }
        }
        let faces = try FaceAnalysis.pretrained()
        let builder = SubjectBuilder(kit: try FaceKit())
        var reconstruction = HeadReconstruction(model: model, encoder: encoder, faces: faces)
        reconstruction.priorSteps = 50
        let mean = model.prior.latentMean.unsqueezed(0)
        var rows: [String: [String: [SurfaceComparison.Metrics]]] = [:]
        let meanMesh = reconstruction.mesh(mean, resolution: resolution)  // the same for every sample
        for (i, set) in sets.enumerated() {
            let truthMesh = try NPHMData.mesh(of: set)
            let sample = try NPHMData.load(set, mesh: truthMesh)
            let truth = try visibleFace(of: set, mesh: truthMesh, builder: builder)
            let (condition, _) = reconstruction.condition(of: try set.viewImage(Self.portraitView))
            func latent(_ method: String) -> Tensor {
                switch method {
                case "prior": return reconstruction.latents(for: condition, seed: seed &+ UInt64(i))
                case "prior_average": return reconstruction.latents(for: condition, draws: draws, seed: seed &+ UInt64(i))
                case "prior_mean": return reconstruction.latents(for: condition, estimate: .posteriorMean, draws: draws, seed: seed &+ UInt64(i))
                case "prior_refined", "prior_refined_geometry":
                    let start = reconstruction.latents(for: condition, estimate: .posteriorMean, draws: draws, seed: seed &+ UInt64(i))
                    var settings = refinement
                    settings.fitsExpression = settings.fitsExpression && method == "prior_refined"
                    return reconstruction.refiningShape(start, condition: condition, kit: builder.kit, refinement: settings)?.latent ?? start
                case "mean_code": return mean
                default:
                    let fitted = fitting.fit(model.head, sample: sample, start: model.layout.split(mean))
                    return model.layout.join(geometry: fitted.geometry, appearance: fitted.appearance, expression: fitted.expression)
                }
            }
            let group = set.appearance == 0 ? "neutral" : "expressive"
            var line = "\(set.name):"
            for method in Self.methods where selected.contains(method) {
                let mesh = method == "mean_code" ? meanMesh : reconstruction.mesh(latent(method), resolution: resolution)
                guard !mesh.triangles.isEmpty else { log("\(set.name) \(method): empty mesh"); continue }
                if let meshFolder {
                    try MeshPLY.encode(positions: mesh.positions, normals: mesh.normals, colours: mesh.colours, triangles: mesh.triangles)
                        .write(to: URL(fileURLWithPath: meshFolder + "/\(set.name)_\(method).ply"), options: .atomic)
                }
                let unit = 1 / Self.centimetresPerUnit
                let m = SurfaceComparison.compare(prediction: (mesh.positions, mesh.triangles), truth: truth, rejection: 1 * unit,
                                                  reach: 2 * unit, thresholds: [0.1 * unit, 0.25 * unit], seed: seed &+ UInt64(i))
                rows[method, default: [:]][group, default: []].append(m)
                line += String(format: " %@ %.3f cm", method, m.truthToPredictionL1 * Self.centimetresPerUnit)
            }
            log(line + " (one-directional L1, \(i + 1)/\(sets.count))")
        }
        var report: [String: Any] = ["data": data, "resolution": resolution, "samples": sets.count, "units": "cm",
                                     "fit_steps": fitting.steps, "draws": draws, "alignment": "rigid ICP (1 cm rejection, normals >= 0.2)"]
        for (method, groups) in rows {
            var summary: [String: Any] = [:]
            for (group, list) in groups.merging(["all": groups.values.flatMap { $0 }], uniquingKeysWith: { a, _ in a }) {
                summary[group] = Self.mean(list)
            }
            report[method] = summary
        }
        return report
    }

    /// Skin within this distance of hair, clothing or an accessory counts as covered (2 mm).
    public static let coverMargin: Float = 0.2 / 18

    /// The ground truth: the FaceKit face region of the set's mesh.ply where it is seen, i.e. the
    /// face vertices covered by no hair, clothing or accessory (rebuilt from parameters.json), as the
    /// seed's protocol keeps only face-class pixels of the scan; the triangles whose corners all remain.
    func visibleFace(of set: ImageSetReference, mesh: MeshPLY.Decoded, builder: SubjectBuilder) throws
        -> (positions: [Float], triangles: [Int32]) {
        let scene = builder.build(try set.parameters())
        let rebuilt = scene.mesh().positions
        guard rebuilt.count >= 3 * Self.faceVertices, mesh.positions.count >= 3 * Self.faceVertices,
              zip(rebuilt[0..<(3 * Self.faceVertices)], mesh.positions).allSatisfy({ abs($0 - $1) < 1e-4 }) else {
            throw TrainingError("\(set.path)/mesh.ply: its face does not match the subject rebuilt from parameters.json (another FaceKit?)")
        }
        let seen = (0..<Self.faceVertices).map { i in
            !scene.isCovered(SIMD3(mesh.positions[3 * i], mesh.positions[3 * i + 1], mesh.positions[3 * i + 2]), margin: Self.coverMargin)
        }
        let triangles = Mesh.triangles(mesh.triangles) { $0 < Int32(Self.faceVertices) && seen[Int($0)] }
        return (Array(mesh.positions[0..<(3 * Self.faceVertices)]), triangles)
    }

    static func mean(_ list: [SurfaceComparison.Metrics]) -> [String: Any] {
        let n = Float(max(list.count, 1)), cm = centimetresPerUnit
        func avg(_ f: (SurfaceComparison.Metrics) -> Float) -> Float { list.map(f).reduce(0, +) / n }
        return ["samples": list.count, "chamfer_l1_one_way": avg(\.truthToPredictionL1) * cm, "chamfer_l2_one_way": avg(\.truthToPrediction) * cm,
                "chamfer_symmetric": avg(\.symmetric) * cm, "normal_consistency": avg(\.normalConsistency),
                "f_score_1mm": avg { $0.fScores[0] }, "f_score_2_5mm": avg { $0.fScores[1] }]
    }
}

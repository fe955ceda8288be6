import Foundation
import Models
import NN
import Tensor

/// Loss weights of the head model's auto-decoder training: MonoNPHM's (research/nphm.md 1.9a) where
/// the term is the same, adapted where Orbit's data differs. The synthetic data gives signed
/// distances near the surface and in the volume (MonoNPHM has oriented surface points only), exact
/// anchor positions and exact expression correspondences (FaceKit vertices).
public struct NPHMLossWeights: Sendable, Codable {
    /// L1 of the SDF at near-surface points, and in the box's volume.
    public var surface: Float = 1, volume: Float = 0.1
    public var eikonal: Float = 0.15
    public var colour: Float = 1
    /// Squared distance of predicted anchors to the subject's FaceKit vertices.
    public var anchors: Float = 7.5
    /// Squared distance of backward-warped skin vertices to their neutral positions, and |h|.
    public var correspondence: Float = 1000, hyper: Float = 0.05
    /// Squared norms of the codes, and of the difference of symmetric pairs' local codes.
    public var geometryCode: Float = 0.01, appearanceCode: Float = 0.005, expressionCode: Float = 0.05, symmetry: Float = 0.01
    public init() {}
}

public struct NPHMTrainingConfig: Sendable {
    public var model = NPHMConfiguration.orbitSmall
    /// Samples (subject, appearance) per step, and points of each.
    public var samplesPerStep = 4, nearPoints = 1024, volumePoints = 256, correspondences = 256
    public var learningRate: Float = 5e-4, codeLearningRate: Float = 2e-3, expressionLearningRate: Float = 1e-2
    public var warmup = 100
    public var gradientClip: Float = 1
    public var weights = NPHMLossWeights()
    public var seed: UInt64 = 0

    public init() {}

    public var fingerprint: String {
        // Sorted keys: the same settings give the same text in every run (resume compares it).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let model = (try? String(data: encoder.encode(self.model), encoding: .utf8)) ?? ""
        let weights = (try? String(data: encoder.encode(self.weights), encoding: .utf8)) ?? ""
        return "nphm \(model) samples \(samplesPerStep) points \(nearPoints)/\(volumePoints)/\(correspondences) "
            + "lr \(learningRate)/\(codeLearningRate)/\(expressionLearningRate) warmup \(warmup) clip \(gradientClip) \(weights) seed \(seed)"
    }
}

/// Auto-decoder training of the head model (DeepSDF / NPHM): the networks and a code table per
/// subject (geometry, appearance) and per sample (expression) train together.
public final class NPHMTrainer {
    public let config: NPHMTrainingConfig
    public let head: NPHMHead
    /// [subjects, identityCodeLength] twice, [samples, expressionCode].
    public let geometryCodes: Tensor, appearanceCodes: Tensor, expressionCodes: Tensor
    public let optimizer: Adam
    let samples: [NPHMSample]
    /// Per sample: its subject's row, and the index of that subject's neutral sample.
    let subjectRow: [Int], neutralSample: [Int]
    /// The subjects' dataset ids, in row order.
    public let subjects: [Int]
    /// [subjects, A, 3]: each subject's neutral skin at the anchor vertices.
    let anchorTargets: Tensor

    public init(config: NPHMTrainingConfig, samples: [NPHMSample]) throws {
        self.samples = samples
        subjects = Array(Set(samples.map(\.subject))).sorted()
        let rowOf = Dictionary(uniqueKeysWithValues: subjects.enumerated().map { ($1, $0) })
        subjectRow = samples.map { rowOf[$0.subject]! }
        var neutralOf: [Int: Int] = [:]
        for (i, s) in samples.enumerated() where s.appearance == 0 { neutralOf[s.subject] = i }
        neutralSample = try samples.map { s in
            guard let n = neutralOf[s.subject] else { throw TrainingError("subject \(s.subject) has no neutral appearance (appearance_00)") }
            return n
        }
        // Anchors on the mean neutral skin.
        var model = config.model
        let skinCount = NPHMData.skinVertices * 3
        var mean = [Float](repeating: 0, count: skinCount)
        for s in subjects { for k in 0..<skinCount { mean[k] += samples[neutralOf[s]!].skin[k] / Float(subjects.count) } }
        let vertices = model.anchorVertices ?? NPHMAnchors.choose(meanSkin: mean, pairs: model.symmetricPairs, midline: model.midlineAnchors)
        model.anchorVertices = vertices
        var resolved = config
        resolved.model = model
        self.config = resolved
        head = try NPHMHead(WeightScope(RandomInitializer(seed: config.seed &+ 0x4E50)), config: model)
        head.anchorTemplate.data.update(from: vertices.flatMap { v in (0..<3).map { mean[3 * v + $0] } }, count: 3 * vertices.count)
        anchorTargets = Tensor(subjects.flatMap { s in vertices.flatMap { v in (0..<3).map { samples[neutralOf[s]!].skin[3 * v + $0] } } },
                               shape: [subjects.count, vertices.count, 3])
        // DeepSDF's code initialisation: N(0, 0.01^2).
        geometryCodes = Tensor.normal([subjects.count, model.identityCodeLength], std: 0.01, seed: config.seed &+ 1).requiringGrad()
        appearanceCodes = Tensor.normal([subjects.count, model.identityCodeLength], std: 0.01, seed: config.seed &+ 2).requiringGrad()
        expressionCodes = Tensor.normal([samples.count, model.expressionCode], std: 0.01, seed: config.seed &+ 3).requiringGrad()
        for (_, p) in head.trainableParameters { p.requiringGrad() }
        let schedule = WarmupAnnealSchedule(warmup: config.warmup)
        optimizer = Adam(groups: [
            ParameterGroup(name: "networks", parameters: head.trainableParameters.map(\.1), learningRate: config.learningRate, schedule: schedule),
            ParameterGroup(name: "identity codes", parameters: [geometryCodes, appearanceCodes], learningRate: config.codeLearningRate, schedule: schedule),
            ParameterGroup(name: "expression codes", parameters: [expressionCodes], learningRate: config.expressionLearningRate, schedule: schedule),
        ])
    }

    /// What is checkpointed: the networks (with the anchor template) and the code tables.
    public var trainedParameters: [(String, Tensor)] {
        head.namedParameters + [("codes.geometry", geometryCodes), ("codes.appearance", appearanceCodes), ("codes.expression", expressionCodes)]
    }

    /// One step on random samples and points (seeded by the step): the named loss terms.
    public func trainStep(_ step: Int) throws -> [String: Float] {
        let c = config, b = c.samplesPerStep
        var random = SeededGenerator(seed: c.seed &+ 0x4E_50_48_4D &* UInt64(step + 1))
        func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        let chosen = (0..<b).map { _ in pick(samples.count) }
        var batch = NPHMPointBatch(near: c.nearPoints, volume: c.volumePoints)
        var posed: [Float] = [], neutral: [Float] = []
        for i in chosen {
            let s = samples[i]
            batch.append(s) { pick($0) }
            let n = samples[neutralSample[i]]
            for _ in 0..<c.correspondences {
                let v = pick(NPHMData.skinVertices)
                posed += s.skin[(3 * v)..<(3 * v + 3)]
                neutral += n.skin[(3 * v)..<(3 * v + 3)]
            }
        }
        let rows = chosen.map { Int32(subjectRow[$0]) }
        optimizer.zeroGrad()
        let geometry = geometryCodes.gatherRows(rows), appearance = appearanceCodes.gatherRows(rows)
        let expression = expressionCodes.gatherRows(chosen.map { Int32($0) })
        let out = head(points: batch.pointTensor, geometry: geometry, appearance: appearance, expression: expression, spatialGradient: true)
        var terms: [String: Tensor] = [:]
        (terms["surface"], terms["volume"], terms["colour"]) = batch.terms(out)
        let gradient = out.sdf.tangent!
        terms["eikonal"] = (((gradient * gradient).sum(axes: [0]) + 1e-12).sqrt() - 1).pow(2).mean()
        terms["anchors"] = ((out.anchors - anchorTargetRows(rows)).pow(2)).sum(axes: [2]).mean()
        let canonical = head.canonical(points: Tensor(posed, shape: [b, c.correspondences, 3]), geometry: geometry, expression: expression)
        terms["correspondence"] = (canonical.slice(axis: 1, 0..<3) - Tensor(neutral, shape: [b * c.correspondences, 3])).pow(2).sum(axes: [1]).mean()
        terms["hyper"] = canonical.slice(axis: 1, 3..<c.model.canonicalDimensions).abs().mean()
        terms["geometry_code"] = (geometry * geometry).sum(axes: [1]).mean()
        terms["appearance_code"] = (appearance * appearance).sum(axes: [1]).mean()
        terms["expression_code"] = (expression * expression).sum(axes: [1]).mean()
        terms["symmetry"] = symmetryDistance(geometry)
        let w = c.weights
        let weighted: [(String, Float)] = [("surface", w.surface), ("volume", w.volume), ("eikonal", w.eikonal), ("colour", w.colour),
                                           ("anchors", w.anchors), ("correspondence", w.correspondence), ("hyper", w.hyper),
                                           ("geometry_code", w.geometryCode), ("appearance_code", w.appearanceCode),
                                           ("expression_code", w.expressionCode), ("symmetry", w.symmetry)]
        let loss = weighted.dropFirst().reduce(terms[weighted[0].0]! * weighted[0].1) { $0 + terms[$1.0]! * $1.1 }
        loss.backward()
        _ = clipGradNorm(trainedParameters.map(\.1).filter(\.requiresGrad), maxNorm: c.gradientClip)
        optimizer.update()
        var report = terms.mapValues { $0.item() }
        report["loss"] = loss.item()
        return report
    }

    func anchorTargetRows(_ rows: [Int32]) -> Tensor {
        let a = anchorTargets.shape[1]
        return anchorTargets.reshaped([anchorTargets.shape[0], a * 3]).gatherRows(rows).reshaped([rows.count, a, 3])
    }

    /// Mean squared difference of the local geometry codes of each symmetric pair.
    func symmetryDistance(_ codes: Tensor) -> Tensor {
        let m = config.model, pairs = m.symmetricPairs
        guard pairs > 0 else { return Tensor.scalar(0) }
        let local = codes.slice(axis: 1, m.globalCode..<(m.globalCode + 2 * pairs * m.localCode)).reshaped([codes.shape[0], pairs, 2, m.localCode])
        return (local.slice(axis: 2, 0..<1) - local.slice(axis: 2, 1..<2)).pow(2).sum(axes: [3]).mean()
    }
}

import Foundation
import Models
import NN
import Tensor

/// The faces of some image sets as one table for Eq. 5: SFace trunk features and, per face, its
/// class (subject and expression preset), subject and view.
public struct IdentityFaceTable {
    /// [M, 50176] row-major.
    public private(set) var features: [Float]
    public private(set) var classOf: [Int], subjectOf: [Int], views: [Int]
    public var count: Int { classOf.count }

    /// A face is held out of training when its view lies on this diagonal of the view grid (every
    /// fourth view, spread over all rings and azimuths).
    public static func isHeldOut(view: Int) -> Bool { (view % 16 + view / 16) % 4 == 3 }

    /// The faces of `sets`, read once and split by view: those `holdOut(view)` rejects and those it
    /// accepts. Classes are numbered in `classes` (new names are added).
    public static func load(_ cache: IdentityFaceCache, sets: [ImageSetReference], classes: inout [String: Int],
                            holdOut: (Int) -> Bool) throws -> (kept: IdentityFaceTable, heldOut: IdentityFaceTable) {
        let empty = IdentityFaceTable(features: [], classOf: [], subjectOf: [], views: [])
        var tables = [empty, empty]  // kept, held out
        for set in sets {
            guard let shard = try cache.load(set) else { continue }
            let label = classes[shard.className] ?? classes.count
            classes[shard.className] = label
            let rows = shard.features.toArray(), width = SFace.trunkFeatureSize
            for (i, view) in shard.views.enumerated() {
                let t = holdOut(view) ? 1 : 0
                tables[t].features.append(contentsOf: rows[(i * width)..<((i + 1) * width)])
                tables[t].classOf.append(label)
                tables[t].subjectOf.append(set.subject)
                tables[t].views.append(view)
            }
        }
        return (tables[0], tables[1])
    }

    /// Features of the given faces [k, 50176].
    public func rows(_ indices: [Int]) -> Tensor {
        let width = SFace.trunkFeatureSize
        var out = [Float](repeating: 0, count: indices.count * width)
        for (r, i) in indices.enumerated() { out.replaceSubrange((r * width)..<((r + 1) * width), with: features[(i * width)..<((i + 1) * width)]) }
        return Tensor(out, shape: [indices.count, width])
    }

    /// Unit-length embeddings of every face by `model`'s head [M, 128], in chunks.
    public func embeddings(_ model: SFace) -> Tensor {
        let chunks = stride(from: 0, to: count, by: 256).map { start in
            noGrad { AngularMarginLoss.normalisedRows(model.embed(trunkFeatures: rows(Array(start..<min(start + 256, count))))) }
        }
        return Tensor.concat(chunks, axis: 0)
    }
}

/// Seed Eq. 5: SFace fine-tuned with ArcFace's additive angular margin loss where a class is a
/// (subject, expression) pair, so that one subject's expressions land apart while identities stay
/// apart. The convolutional trunk stays frozen (its features are cached); the embedding head (fc
/// 50176 -> 128 and its batch norm's affine part, 6.4 M of SFace's 9.6 M parameters) and the class
/// centres train.
public struct IdentityTrainingConfig: Sendable {
    public var batch = 128
    public var learningRate: Float = 5e-5
    public var centreLearningRate: Float = 5e-3
    public var warmup = 100
    /// ArcFace's scale and margin (insightface's defaults are 64 and 0.5; 32 suits a few hundred classes).
    public var scale: Float = 32, margin: Float = 0.5
    public var seed: UInt64 = 0

    public init() {}

    public var fingerprint: String {
        "identity batch \(batch) lr \(learningRate) centres \(centreLearningRate) warmup \(warmup) s \(scale) m \(margin) seed \(seed)"
    }
}

public final class IdentityTrainer {
    public let config: IdentityTrainingConfig
    /// The pretrained SFace with a trainable head.
    public let sface: SFace
    /// One centre per class [C, 128], started at the class's mean pretrained embedding.
    public let centres: Tensor
    public let optimizer: Adam
    let train: IdentityFaceTable

    public init(config: IdentityTrainingConfig, train: IdentityFaceTable, classes: Int) throws {
        (self.config, self.train) = (config, train)
        sface = try SFace.pretrained()
        let start = train.embeddings(sface).toArray(), width = SFace.embeddingSize
        var sums = [Float](repeating: 0, count: classes * width)
        for (i, label) in train.classOf.enumerated() {
            for d in 0..<width { sums[label * width + d] += start[i * width + d] }
        }
        centres = Tensor(sums, shape: [classes, width]).requiringGrad()
        let head = Self.trainedHead(sface)
        for (_, p) in head { p.requiringGrad() }
        let schedule = WarmupAnnealSchedule(warmup: config.warmup)
        optimizer = Adam.adamW(groups: [
            ParameterGroup(name: "head", parameters: head.map(\.1), learningRate: config.learningRate, schedule: schedule),
            ParameterGroup(name: "centres", parameters: [centres], learningRate: config.centreLearningRate, schedule: schedule),
        ])
    }

    /// The head's weights and biases: its parameters without the batch norm's running statistics.
    static func trainedHead(_ sface: SFace) -> [(String, Tensor)] { sface.headParameters.filter { !$0.0.contains("running_") } }

    /// What trains and is checkpointed: the head's weights and biases, then the class centres.
    public var trainedParameters: [(String, Tensor)] { Self.trainedHead(sface) + [("centres", centres)] }

    /// One AdamW step on a random batch (seeded by the step): loss and batch accuracy (argmax cos).
    public func trainStep(_ step: Int) throws -> [String: Float] {
        var random = SeededGenerator(seed: config.seed &+ 0x1D_E7 &* UInt64(step + 1))
        let indices = (0..<config.batch).map { _ in Int(random.next() % UInt64(train.count)) }
        let labels = indices.map { train.classOf[$0] }
        optimizer.zeroGrad()
        let out = AngularMarginLoss.evaluate(embeddings: sface.embed(trunkFeatures: train.rows(indices)), centres: centres,
                                             labels: labels, scale: config.scale, margin: config.margin)
        out.loss.backward()
        optimizer.update()
        let classes = centres.shape[0], cosines = out.cosines.toArray()
        let correct = labels.enumerated().filter { i, label in
            let row = cosines[(i * classes)..<((i + 1) * classes)]
            return row.indices.max { row[$0] < row[$1] } == i * classes + label
        }.count
        return ["loss": out.loss.item(), "accuracy": Float(correct) / Float(labels.count)]
    }

    /// Writes the head (fc, fc_bn with its running statistics) as F16 safetensors, atomically: what
    /// `SFace.pretrained(expressionHead:)` loads over the pretrained model.
    public func exportHead(to path: String, provenance: String) throws {
        try SafeTensors.write(sface.headParameters, metadata: ["format": "pt", "provenance": provenance], dtype: .f16, to: path)
    }
}

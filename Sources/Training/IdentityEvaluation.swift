import Foundation
import Imaging
import Models
import Pipeline
import Tensor

/// How well an SFace head tells (subject, expression) classes apart while keeping identities, by one
/// protocol for the pretrained head and the fine-tuned one:
/// - held-out views of the training classes classified by the nearest class centroid (mean unit
///   embedding of the class's training views), by class and by subject;
/// - on the test subjects (never trained on), mean cosine of face pairs of one subject and
///   expression (other views), one subject in two expressions, and two different subjects;
/// - a real photo: the astronaut against a blurred and rotated copy of itself.
public struct IdentityMetrics: Sendable {
    public var heldOutClassAccuracy: Float = 0, heldOutSubjectAccuracy: Float = 0
    public var sameExpression: Float = 0, otherExpression: Float = 0, otherSubject: Float = 0
    public var realPhotoCopy: Float? = nil

    public var json: [String: Any] {
        ["held_out_class_accuracy": heldOutClassAccuracy, "held_out_subject_accuracy": heldOutSubjectAccuracy,
         "test_same_subject_same_expression": sameExpression, "test_same_subject_other_expression": otherExpression,
         "test_other_subject": otherSubject, "real_photo_copy": realPhotoCopy.map { $0 as Any } ?? NSNull()]
    }
}

public enum IdentityEvaluation {
    public static func evaluate(_ model: SFace, train: IdentityFaceTable, heldOut: IdentityFaceTable, test: IdentityFaceTable,
                                realPhoto: Image?) throws -> IdentityMetrics {
        var m = IdentityMetrics()
        let trained = train.embeddings(model), held = heldOut.embeddings(model)
        m.heldOutClassAccuracy = nearestCentroidAccuracy(trained, labels: train.classOf, queries: held, truth: heldOut.classOf)
        m.heldOutSubjectAccuracy = nearestCentroidAccuracy(trained, labels: train.subjectOf, queries: held, truth: heldOut.subjectOf)
        let e = test.embeddings(model)
        let cos = noGrad { e.matmul(e.transposed(0, 1)) }.toArray()
        var sums = [Double](repeating: 0, count: 3), counts = [Int](repeating: 0, count: 3)
        for i in 0..<test.count {
            for j in (i + 1)..<test.count {
                let kind = test.subjectOf[i] != test.subjectOf[j] ? 2 : (test.classOf[i] == test.classOf[j] ? 0 : 1)
                sums[kind] += Double(cos[i * test.count + j])
                counts[kind] += 1
            }
        }
        (m.sameExpression, m.otherExpression, m.otherSubject) = (mean(sums[0], counts[0]), mean(sums[1], counts[1]), mean(sums[2], counts[2]))
        if let realPhoto { m.realPhotoCopy = try realPhotoCopySimilarity(model, photo: realPhoto) }
        return m
    }

    /// Cosine between the photo's embedding and that of a copy blurred (Gaussian, sigma 1.5 px) and
    /// rotated by 10 degrees about the image centre; nil when a face is missing in either or the face
    /// detector is not installed (an unreadable detector file throws).
    public static func realPhotoCopySimilarity(_ model: SFace, photo: Image) throws -> Float? {
        guard let faces = try FaceAnalysis.pretrainedIfInstalled() else { return nil }
        let rgb = photo.compositedRGB()
        let sigma: Float = 1.5
        let taps = (-4...4).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let blurred = Image(tensor: rgb.tensor().padded([(0, 0), (4, 4), (4, 4)]).separableFilter(taps.map { $0 / taps.reduce(0, +) }))
        let angle: Float = 10 * .pi / 180, (cx, cy) = (Float(rgb.width) / 2, Float(rgb.height) / 2)
        let rotation = AffineTransform(a: cos(angle), b: -sin(angle), tx: cx - cos(angle) * cx + sin(angle) * cy,
                                       c: sin(angle), d: cos(angle), ty: cy - sin(angle) * cx - cos(angle) * cy)
        let copy = blurred.warped(rotation, width: rgb.width, height: rgb.height, border: 1)
        guard let a = faces.analyse(rgb), let b = faces.analyse(copy) else { return nil }
        return 1 - identityDistance(FaceAnalysis.embedding(a.aligned, model: model), FaceAnalysis.embedding(b.aligned, model: model)).item()
    }

    /// Fraction of queries whose nearest centroid (by cosine) is their own label's.
    static func nearestCentroidAccuracy(_ embeddings: Tensor, labels: [Int], queries: Tensor, truth: [Int]) -> Float {
        let ids = Array(Set(labels)).sorted(), width = embeddings.shape[1], rows = embeddings.toArray()
        let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        var sums = [Float](repeating: 0, count: ids.count * width)
        for (i, label) in labels.enumerated() {
            for d in 0..<width { sums[position[label]! * width + d] += rows[i * width + d] }
        }
        let centroids = AngularMarginLoss.normalisedRows(Tensor(sums, shape: [ids.count, width]))
        let scores = noGrad { queries.matmul(centroids.transposed(0, 1)) }.toArray()
        let correct = truth.enumerated().filter { q, label in
            let row = scores[(q * ids.count)..<((q + 1) * ids.count)]
            return ids[row.indices.max { row[$0] < row[$1] }! - q * ids.count] == label
        }.count
        return Float(correct) / Float(max(truth.count, 1))
    }

    static func mean(_ sum: Double, _ count: Int) -> Float { count == 0 ? .nan : Float(sum / Double(count)) }
}

import Foundation
import Tensor

/// ArcFace's additive angular margin loss (Deng et al. 2019), the objective of seed Eq. 5: embeddings
/// and class centres are normalised, and the target class's logit s cos(theta_y) becomes
/// s cos(theta_y + m), so a class must win by an angle m. Where theta_y + m would pass pi (cos(theta_y)
/// below cos(pi - m)), the logit is s (cos(theta_y) - m sin(m)) instead, as insightface does, so it
/// keeps falling with the angle.
public enum AngularMarginLoss {
    public struct Output {
        /// Mean cross-entropy over the batch (scalar, differentiable).
        public let loss: Tensor
        /// cos(theta) of every embedding with every class centre [N, C] (no margin): argmax is the prediction.
        public let cosines: Tensor
    }

    /// embeddings [N, D], class centres [C, D], one label in 0..<C per row.
    public static func evaluate(embeddings: Tensor, centres: Tensor, labels: [Int], scale: Float, margin: Float) -> Output {
        let (n, classes) = (embeddings.shape[0], centres.shape[0])
        precondition(labels.count == n && labels.allSatisfy { (0..<classes).contains($0) }, "labels must be in 0..<\(classes), one per row")
        let cosines = normalisedRows(embeddings).matmul(normalisedRows(centres).transposed(0, 1))  // [N, C]
        var mask = [Float](repeating: 0, count: n * classes)
        for (i, label) in labels.enumerated() { mask[i * classes + label] = 1 }
        let oneHot = Tensor(mask, shape: [n, classes])
        let target = (cosines * oneHot).sum(axes: [1], keepDims: true)  // cos(theta_y) [N, 1]
        let sine = Tensor.maximum(1 - target * target, Tensor.scalar(1e-7)).sqrt()
        let shifted = target * cos(margin) - sine * sin(margin)  // cos(theta_y + m)
        let fallback = target - margin * sin(margin)
        let beyond = noGrad { target.toArray().map { $0 > cos(Float.pi - margin) ? Float(1) : 0 } }
        let useShifted = Tensor(beyond, shape: [n, 1])
        let marginal = shifted * useShifted + fallback * (1 - useShifted)
        let logits = (cosines + oneHot * (marginal - target)) * scale
        let loss = -(logits.logSoftmax() * oneHot).sum() / Float(n)
        return Output(loss: loss, cosines: cosines)
    }

    /// Rows scaled to unit length: x [N, D] -> x / |x|.
    static func normalisedRows(_ x: Tensor) -> Tensor {
        x / ((x * x).sum(axes: [1], keepDims: true) + 1e-12).sqrt()
    }
}

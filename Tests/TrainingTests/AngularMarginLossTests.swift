import Foundation
import Tensor
import TestSupport
import Training
import XCTest

final class AngularMarginLossTests: XCTestCase {
    /// The loss against ArcFace's definition computed independently in double precision: theta = acos of
    /// the cosine of unit vectors, the target logit s cos(theta + m) (or s (cos theta - m sin m) past
    /// pi - m), softmax cross-entropy.
    func testMatchesTheDefinition() {
        let (n, c, d) = (5, 4, 6)
        let e = Tensor.normal([n, d], seed: 1), w = Tensor.normal([c, d], seed: 2)
        let labels = [0, 3, 1, 1, 2]
        for margin: Float in [0, 0.5, 2.8] {
            let out = AngularMarginLoss.evaluate(embeddings: e, centres: w, labels: labels, scale: 16, margin: margin)
            let ev = e.toArray().map(Double.init), wv = w.toArray().map(Double.init)
            func unit(_ v: ArraySlice<Double>) -> [Double] { let l = v.reduce(0) { $0 + $1 * $1 }.squareRoot(); return v.map { $0 / l } }
            var total = 0.0
            for i in 0..<n {
                let x = unit(ev[(i * d)..<((i + 1) * d)])
                let logits = (0..<c).map { j -> Double in
                    let cosine = zip(x, unit(wv[(j * d)..<((j + 1) * d)])).reduce(0) { $0 + $1.0 * $1.1 }
                    guard j == labels[i] else { return 16 * cosine }
                    let m = Double(margin), theta = acos(cosine)
                    return 16 * (theta + m <= .pi ? cos(theta + m) : cosine - m * sin(m))
                }
                let top = logits.max()!
                total += -(logits[labels[i]] - top - log(logits.reduce(0) { $0 + exp($1 - top) }))
            }
            XCTAssertEqual(Double(out.loss.item()), total / Double(n), accuracy: 1e-4 * max(1, total / Double(n)), "margin \(margin)")
        }
    }

    /// Gradients with respect to embeddings and class centres against central finite differences.
    func testGradients() {
        let e = param([6, 5], seed: 3), w = param([4, 5], seed: 4)
        checkGradients([e, w], "angular margin loss", eps: 1e-3) { t in
            AngularMarginLoss.evaluate(embeddings: t[0], centres: t[1], labels: [0, 1, 2, 3, 1, 0], scale: 8, margin: 0.5).loss
        }
    }
}

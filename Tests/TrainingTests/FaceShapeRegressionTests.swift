import Foundation
import Tensor
import TestSupport
import Training
import XCTest

/// The face-shape regressor's ridge fit: a linear map it must find, a target it cannot predict, and
/// the Cholesky solve under it.
final class FaceShapeRegressionTests: XCTestCase {
    func testCholeskySolvesASymmetricPositiveDefiniteSystem() {
        // A = M M^T + I for a fixed M, B = A X for a known X [3, 2].
        let m: [Double] = [2, 0.5, -1, 0.3, 1.5, 0.2, -0.7, 0.1, 1.1]
        let x: [Double] = [1, -2, 0.5, 3, -1.5, 0.25]
        var a = [Double](repeating: 0, count: 9), b = [Double](repeating: 0, count: 6)
        for i in 0..<3 {
            for j in 0..<3 {
                a[i * 3 + j] = i == j ? 1 : 0
                for p in 0..<3 { a[i * 3 + j] += m[i * 3 + p] * m[j * 3 + p] }
            }
        }
        for i in 0..<3 { for c in 0..<2 { for p in 0..<3 { b[i * 2 + c] += a[i * 3 + p] * x[p * 2 + c] } } }
        for (solved, expected) in zip(FaceShapeRegression.choleskySolve(a, b, size: 3, columns: 2), x) { XCTAssertEqual(solved, expected, accuracy: 1e-10) }
    }

    /// Targets 0 and 1 are linear in the embedding (plus a little noise), target 2 is noise: the first two
    /// are recovered held out with a light ridge; the third gets the heaviest one and no skill.
    func testRecoversALinearMapAndShrinksWhatTheEmbeddingDoesNotTell() throws {
        var random = SeededGenerator(seed: 7)
        func gaussian() -> Float { Tensor.normal([1], seed: random.next()).item() }
        let (subjects, views, d) = (40, 3, 6)
        let truth: [[Float]] = [[1, -0.5, 0.25, 0, 2, -1], [0, 0.3, -2, 1, 0.5, 0]]
        var embeddings: [[[Float]]] = [], targets: [[Float]] = [], owners: [Int] = []
        for s in 0..<subjects {
            for _ in 0..<2 {  // two samples (appearances) per subject
                let base = (0..<d).map { _ in gaussian() }
                embeddings.append((0..<views).map { _ in base.map { $0 + 0.05 * gaussian() } })
                targets.append(truth.map { w in zip(w, base).reduce(0.4) { $0 + $1.0 * $1.1 } + 0.05 * gaussian() } + [gaussian()])
                owners.append(s)
            }
        }
        var regression = FaceShapeRegression()
        regression.lambdas = [0.1, 1, 10, 1000, 100_000]  // 240 rows here (2,160 in the real fit)
        // The same targets as identity and, with a constant one added, as expression weights.
        let result = regression.fit(embeddings: embeddings, identity: targets, expression: targets.map { $0 + [0.5] }, subjects: owners,
                                    neutralExpression: Tensor(zeros: [1, 4]))
        for map in [result.identity, try XCTUnwrap(result.expression)] {
            XCTAssertGreaterThan(map.heldOutR2[0], 0.95)
            XCTAssertGreaterThan(map.heldOutR2[1], 0.95)
            XCTAssertLessThan(map.heldOutR2[2], 0.1)
            XCTAssertLessThanOrEqual(map.lambdas[0], 10)
            XCTAssertGreaterThan(map.lambdas[2], map.lambdas[0], "the noise target is shrunk harder")
        }
        XCTAssertTrue(result.expression!.heldOutR2[3].isNaN, "a constant output has no R^2")
        let weight = result.regressor.weight.toArray()
        for k in 0..<2 { for j in 0..<d { XCTAssertEqual(weight[k * d + j], truth[k][j], accuracy: 0.1, "weight [\(k), \(j)]") } }
        XCTAssertEqual(result.regressor.bias.toArray()[0], 0.4, accuracy: 0.1)
        XCTAssertEqual(try XCTUnwrap(result.regressor.expressionBias).toArray()[3], 0.5, accuracy: 1e-6)
        // Read back from a condition: the expression weights are clamped to [0, 1].
        let condition = Tensor(embeddings[0][0] + [9, 9], shape: [1, d + 2])
        let read = try XCTUnwrap(result.regressor.expressionWeights(condition: condition))
        let identity = result.regressor.identityWeights(condition: condition)
        XCTAssertEqual(read.count, 4)
        for k in 0..<3 { XCTAssertEqual(read[k], min(max(identity[k], 0), 1), accuracy: 1e-5, "expression weight \(k): the identity map's, clamped") }
        XCTAssertEqual(read[3], 0.5, accuracy: 1e-6)
        XCTAssertTrue(identity.contains { $0 < 0 || $0 > 1 }, "the condition reaches outside [0, 1], so the clamp is tested")
    }
}

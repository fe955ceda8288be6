import Foundation
import Pipeline
import Tensor
import TestSupport
import XCTest

/// face_shape.safetensors: written and read back with and without the expression map (files from before
/// the map existed refine the identity only), and a file with half of the map refused by name.
final class FaceShapeRegressorTests: XCTestCase {
    func testRoundTripsWithAndWithoutTheExpressionMapAndRefusesHalfAMap() throws {
        let root = Fixtures.temporaryDirectory()
        let (weight, bias, neutral) = (Tensor.normal([5, 4], std: 0.5, seed: 1), Tensor.normal([5], std: 0.5, seed: 2), Tensor(zeros: [1, 3]))
        let condition = Tensor([0.5, -1, 2, 0.25, 7, 7], shape: [1, 6])  // the embedding's 4 numbers, then the rest of the condition

        let identityOnly = FaceShapeRegressor(weight: weight, bias: bias, neutralExpression: neutral)
        try identityOnly.save(to: root + "/old.safetensors", provenance: "test")
        let old = try FaceShapeRegressor.load(from: root + "/old.safetensors")
        XCTAssertNil(old.expressionWeights(condition: condition))
        // F16 on disk: the identity weights agree to about 1e-3.
        for (a, b) in zip(old.identityWeights(condition: condition), identityOnly.identityWeights(condition: condition)) { XCTAssertEqual(a, b, accuracy: 1e-2) }

        let both = FaceShapeRegressor(weight: weight, bias: bias, expressionWeight: Tensor.normal([3, 4], std: 2, seed: 3),
                                      expressionBias: Tensor([0.5, -3, 3], shape: [3]), neutralExpression: neutral)
        try both.save(to: root + "/new.safetensors", provenance: "test")
        let read = try XCTUnwrap(try FaceShapeRegressor.load(from: root + "/new.safetensors").expressionWeights(condition: condition))
        let expected = try XCTUnwrap(both.expressionWeights(condition: condition))
        for (a, b) in zip(read, expected) { XCTAssertEqual(a, b, accuracy: 2e-2) }
        XCTAssertTrue(expected.allSatisfy { (0...1).contains($0) }, "clamped to [0, 1]")

        try SafeTensors.write([("weight", weight), ("bias", bias), ("neutral_expression", neutral), ("expression_weight", Tensor(zeros: [3, 4]))],
                              metadata: [:], to: root + "/half.safetensors")
        XCTAssertThrowsError(try FaceShapeRegressor.load(from: root + "/half.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("half.safetensors") && "\(error)".contains("expression_bias"), "\(error)")
        }
    }
}

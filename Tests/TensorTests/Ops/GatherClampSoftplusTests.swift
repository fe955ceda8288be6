import Foundation
import ShadersCPU
import Tensor
import TestSupport
import XCTest

/// Row gathers and scatters, clamping and softplus: values from their definitions, gradients by
/// finite differences.
final class GatherClampSoftplusTests: XCTestCase {
    func testGatherAndScatterRowsAreAdjoint() {
        let x = Tensor((0..<12).map(Float.init), shape: [4, 3])
        XCTAssertEqual(x.gatherRows([3, 0, 3]).toArray(), [9, 10, 11, 0, 1, 2, 9, 10, 11])
        XCTAssertEqual(Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]).scatterAddRows([1, 0, 1], rows: 3).toArray(), [3, 4, 6, 8, 0, 0])
        checkGradients([param([5, 3], seed: 1)], "gatherRows") { $0[0].gatherRows([4, 4, 0, 2]) }
        checkGradients([param([4, 2], seed: 2)], "scatterAddRows") { $0[0].scatterAddRows([2, 0, 2, 1], rows: 5) }
    }

    func testClampedLimitsValuesAndPassesGradientsInside() {
        XCTAssertEqual(Tensor([-3, -0.5, 0.25, 2], shape: [4]).clamped(-1, 1).toArray(), [-1, -0.5, 0.25, 1])
        // Values away from the limits, where the function is smooth.
        let x = Tensor([-2, -0.6, 0.1, 0.7, 1.8, -1.7], shape: [6]).requiringGrad()
        checkGradients([x], "clamped") { $0[0].clamped(-1, 1) }
    }

    /// The vectorised softplus (exp, then log1p as 2 atanh) against Double over its whole range, on every ISA.
    func testSoftplusIsAccurateOverItsRange() {
        let values = stride(from: Float(-40), through: 19.9, by: 0.0173).map { $0 } + [0, -1e-8, 1e-8]
        var y = [Float](repeating: 0, count: values.count)
        defer { nn_set_isa_level(nn_isa_detected()) }
        for level in 0...nn_isa_detected() {
            nn_set_isa_level(level)
            nn_softplus_fwd(values, &y, Int64(values.count), 1, 20)
            for (v, s) in zip(values, y) {
                let reference = Foundation.log1p(Foundation.exp(Double(v)))
                XCTAssertLessThanOrEqual(Swift.abs(Double(s) - reference) / reference, 3e-7, "softplus(\(v)), ISA level \(level)")
            }
        }
    }

    func testSoftplusMatchesItsDefinitionAndThreshold() {
        let x = Tensor([-0.05, -0.01, 0, 0.02, 0.5], shape: [5])
        let y = x.softplus(beta: 100).toArray(), xs = x.toArray()
        for (v, u) in zip(y, xs) {
            let expected = 100 * u > 20 ? u : Foundation.log1p(Foundation.exp(100 * u)) / 100
            XCTAssertEqual(v, expected, accuracy: 1e-7)
        }
        checkGradients([param([3, 4], seed: 3, std: 0.03)], "softplus beta 100", eps: 1e-4) { $0[0].softplus(beta: 100) }
        checkGradients([param([3, 4], seed: 4)], "softplus beta 1") { $0[0].softplus() }
    }
}

import Tensor
import TestSupport
import XCTest

final class NormTests: XCTestCase {
    func testGroupNormMatchesTorch() throws {
        try checkParity("group_norm", inputs: 3) { $0[0].groupNorm(groups: 4, gamma: $0[1], beta: $0[2], eps: 1e-5) }
        try checkParity("group_norm_eps6_5d", inputs: 3) { $0[0].groupNorm(groups: 2, gamma: $0[1], beta: $0[2], eps: 1e-6) }
    }

    func testLayerNormMatchesTorch() throws {
        try checkParity("layer_norm", inputs: 3) { $0[0].layerNorm(gamma: $0[1], beta: $0[2]) }
    }

    func testGroupNormGradients() {
        let x = param([2, 6, 3, 4], seed: 1, std: 2, mean: 1), g = param([6], seed: 2), b = param([6], seed: 3)
        checkGradients([x, g, b], "group norm") { $0[0].groupNorm(groups: 3, gamma: $0[1], beta: $0[2]) }
        checkGradients([x], "group norm without affine") { $0[0].groupNorm(groups: 2) }
    }

    func testLayerNormGradients() {
        let x = param([4, 5, 8], seed: 4, std: 2), g = param([8], seed: 5), b = param([8], seed: 6)
        checkGradients([x, g, b], "layer norm") { $0[0].layerNorm(gamma: $0[1], beta: $0[2]) }
    }

    func testGroupNormOutputIsNormalisedPerGroup() {
        let x = Tensor.normal([2, 4, 8, 8], mean: 5, std: 3, seed: 7)
        let y = x.groupNorm(groups: 2).reshaped([2, 2, 128])
        let mean = y.mean(axes: [2]).toArray(), sq = (y * y).mean(axes: [2]).toArray()
        for m in mean { XCTAssertEqual(m, 0, accuracy: 1e-5) }
        for s in sq { XCTAssertEqual(s, 1, accuracy: 1e-3) }
    }

    func testStatisticsSurviveALargeMeanWithASmallSpread() {
        // mean 1000, std 0.05: E[x^2] - E[x]^2 without a shift would cancel to noise in float.
        let x = Tensor.normal([1, 2, 64, 64], mean: 1000, std: 0.05, seed: 8)
        for y in [x.groupNorm(groups: 1), x.reshaped([2, 4096]).layerNorm()] {
            let v = y.toArray()
            let mean = v.reduce(0, +) / Float(v.count), sq = v.map { $0 * $0 }.reduce(0, +) / Float(v.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-3)
            XCTAssertEqual(sq, 1, accuracy: 2e-2)
        }
    }
}

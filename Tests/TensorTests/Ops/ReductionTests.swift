import Tensor
import TestSupport
import XCTest

final class ReductionTests: XCTestCase {
    func testReductionsMatchTorch() throws {
        try checkParity("sum_axes", inputs: 1) { $0[0].sum(axes: [0, 2]) }
        try checkParity("max_axis", inputs: 1) { $0[0].max(axis: 1) }
    }

    func testSumMeanMaxValues() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(x.sum().item(), 21)
        XCTAssertEqual(x.sum(axes: [0]).toArray(), [5, 7, 9])
        XCTAssertEqual(x.sum(axes: [1], keepDims: true).shape, [2, 1])
        XCTAssertEqual(x.mean(axes: [1]).toArray(), [2, 5])
        XCTAssertEqual(x.max(axis: 0).toArray(), [4, 5, 6])
        XCTAssertEqual(x.transposed(0, 1).sum(axes: [1]).toArray(), [5, 7, 9])
    }

    func testReductionGradients() {
        let x = param([3, 4, 5], seed: 1)
        checkGradients([x], "sum axes") { $0[0].sum(axes: [0, 2]) }
        checkGradients([x], "mean keepDims") { $0[0].mean(axes: [1], keepDims: true) }
        checkGradients([x], "max", eps: 1e-3) { $0[0].max(axis: 2) }
        checkGradients([x], "sum to") { $0[0].sum(to: [4, 1]) }
    }
}

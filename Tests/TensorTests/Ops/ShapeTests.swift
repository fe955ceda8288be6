import Tensor
import TestSupport
import XCTest

final class ShapeTests: XCTestCase {
    func testConcatSplitPad() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([5, 6], shape: [2, 1])
        let c = Tensor.concat([a, b], axis: 1)
        XCTAssertEqual(c.toArray(), [1, 2, 5, 3, 4, 6])
        let parts = c.split(sizes: [1, 2], axis: 1)
        XCTAssertEqual(parts[1].toArray(), [2, 5, 4, 6])
        XCTAssertEqual(a.padded([(1, 0), (0, 1)]).toArray(), [0, 0, 0, 1, 2, 0, 3, 4, 0])
        XCTAssertEqual(Tensor([1, 2, 3, 4, 5, 6], shape: [6]).chunked(3, axis: 0)[2].toArray(), [5, 6])
    }

    func testShapeGradients() {
        let a = param([2, 3], seed: 1), b = param([2, 2], seed: 2)
        checkGradients([a, b], "concat") { Tensor.concat([$0[0], $0[1]], axis: 1) }
        checkGradients([a], "split") { $0[0].split(sizes: [1, 2], axis: 1)[1] * 3 }
        let x = param([1, 2, 3, 3], seed: 3)
        checkGradients([x], "pad 2d") { $0[0].padded2d(top: 1, bottom: 2, left: 0, right: 1) }
    }
}

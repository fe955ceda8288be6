import Tensor
import TestSupport
import XCTest

final class FilterTests: XCTestCase {
    func testSeparableFilterValuesAndShape() {
        // [1, 2, 1] / 4 on both axes over a 3x4 ramp: valid output 1x2.
        let x = Tensor((0..<12).map(Float.init), shape: [1, 3, 4])
        let y = x.separableFilter([0.25, 0.5, 0.25])
        XCTAssertEqual(y.shape, [1, 1, 2])
        XCTAssertEqual(y.toArray(), [5, 6])  // a linear ramp is reproduced at the window centre
        XCTAssertEqual(Tensor(filling: 2, shape: [2, 5, 6]).separableFilter([0.2, 0.3, 0.5]).toArray(),
                       [Float](repeating: 2, count: 2 * 3 * 4))
    }

    func testSeparableFilterGradient() {
        let x = param([2, 12, 15], seed: 5)
        checkGradients([x], "separable filter") { $0[0].separableFilter([0.1, 0.2, 0.4, 0.2, 0.1]) }
    }
}

import Tensor
import TestSupport
import XCTest

final class ViewsTests: XCTestCase {
    func testViewsShareStorageAndOrderElements() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let p = x.permuted([2, 0, 1])
        XCTAssertTrue(p.storage === x.storage)
        XCTAssertFalse(p.isContiguous)
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p.toArray().prefix(6), [0, 4, 8, 12, 16, 20])  // p[i, j, k] = x[j, k, i]
        XCTAssertEqual(x.slice(axis: 1, 1..<3).toArray(), [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        XCTAssertEqual(x.reshaped([6, -1]).shape, [6, 4])
        XCTAssertEqual(x.unsqueezed(0).shape, [1, 2, 3, 4])
        XCTAssertEqual(Tensor([1, 2], shape: [2, 1]).expanded(to: [2, 3]).toArray(), [1, 1, 1, 2, 2, 2])
    }

    func testViewGradients() {
        let x = param([2, 3, 4], seed: 1)
        checkGradients([x], "permute") { $0[0].permuted([2, 0, 1]) * Tensor.normal([4, 2, 3], seed: 2) }
        checkGradients([x], "slice") { $0[0].slice(axis: 2, 1..<3) }
        checkGradients([x], "reshape of a transpose") { $0[0].transposed(0, 2).reshaped([4, 6]) }
        let y = param([2, 1, 4], seed: 3)
        checkGradients([y], "expand") { $0[0].expanded(to: [2, 3, 4]).contiguous() }
    }
}

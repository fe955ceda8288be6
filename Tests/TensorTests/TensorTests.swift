import Tensor
import TestSupport
import XCTest

final class TensorTests: XCTestCase {
    func testConstructionShapesAndStrides() {
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(t.strides, [3, 1])
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(t.rank, 2)
        XCTAssertTrue(t.isContiguous)
        XCTAssertEqual(Tensor(zeros: [2, 2]).toArray(), [0, 0, 0, 0])
        XCTAssertEqual(Tensor(filling: 7, shape: [3]).toArray(), [7, 7, 7])
        XCTAssertEqual(Tensor.scalar(2.5).item(), 2.5)
        XCTAssertEqual(Tensor.contiguousStrides([2, 3, 4, 5, 6]), [360, 120, 30, 6, 1])
    }

    func testContiguousCopiesOnlyWhenNeeded() {
        let t = Tensor((0..<12).map(Float.init), shape: [3, 4])
        XCTAssertTrue(t.contiguous() === t)
        let tt = t.transposed(0, 1)
        let c = tt.contiguous()
        XCTAssertFalse(c === tt)
        XCTAssertTrue(c.isContiguous)
        XCTAssertEqual(c.toArray(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    }

    func testCloneIsIndependentAndDetachedSharesData() {
        let t = Tensor([1, 2], shape: [2]).requiringGrad()
        let c = t.clone(), d = t.detached()
        t.data[0] = 9
        XCTAssertEqual(c.toArray(), [1, 2])
        XCTAssertEqual(d.toArray(), [9, 2])
        XCTAssertFalse(c.requiresGrad)
        XCTAssertFalse(d.requiresGrad)
    }

    func testFiveDimensionalStridedCopy() {
        let t = Tensor.normal([2, 3, 4, 5, 6], seed: 1)
        let p = t.permuted([4, 3, 2, 1, 0])
        let values = t.toArray(), permuted = p.toArray()
        // p[a, b, c, d, e] = t[e, d, c, b, a]; check p[1, 2, 3, 1, 1] = t[1, 1, 3, 2, 1].
        func flat(_ i: [Int], _ shape: [Int]) -> Int { zip(i, shape).reduce(0) { $0 * $1.1 + $1.0 } }
        XCTAssertEqual(permuted[flat([1, 2, 3, 1, 1], [6, 5, 4, 3, 2])], values[flat([1, 1, 3, 2, 1], [2, 3, 4, 5, 6])])
    }

    func testDescriptionShowsShapeAndValues() {
        XCTAssertEqual(Tensor([1, 2.5], shape: [2]).description, "Tensor(shape: [2], [1, 2.5])")
    }
}

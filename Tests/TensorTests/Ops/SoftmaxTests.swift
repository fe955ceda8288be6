import Tensor
import TestSupport
import XCTest

final class SoftmaxTests: XCTestCase {
    func testSoftmaxMatchesTorch() throws {
        try checkParity("softmax", inputs: 1) { $0[0].softmax() }
    }

    func testSoftmaxGradients() {
        let x = param([4, 9], seed: 1, std: 3)
        checkGradients([x], "softmax last axis") { $0[0].softmax() }
        checkGradients([x], "softmax axis 0") { $0[0].softmax(axis: 0) }
        checkGradients([x], "log softmax") { $0[0].logSoftmax() }
    }

    func testSoftmaxIsStableForLargeInputs() {
        let y = Tensor([1000, 1001, 1002], shape: [1, 3]).softmax().toArray()
        XCTAssertEqual(y.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(y[2], 0.66524096, accuracy: 1e-6)
    }
}

import Tensor
import TestSupport
import XCTest

final class MatMulTests: XCTestCase {
    func testMatmulAndLinearMatchTorch() throws {
        try checkParity("matmul_bcast", inputs: 2) { $0[0].matmul($0[1]) }
        try checkParity("linear", inputs: 3) { $0[0].linear(weight: $0[1], bias: $0[2]) }
    }

    func testMatmulKnownValues() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([5, 6, 7, 8], shape: [2, 2])
        XCTAssertEqual(a.matmul(b).toArray(), [19, 22, 43, 50])
        XCTAssertEqual(a.transposed(0, 1).matmul(b).toArray(), [26, 30, 38, 44])
    }

    func testLargeMatmulSplitAcrossThreadsAgreesWithSingleGemm() {
        // 300 x 200 x 250 crosses the parallel split threshold; compare with the batched path.
        let a = Tensor.normal([300, 200], seed: 1), b = Tensor.normal([200, 250], seed: 2)
        let split = a.matmul(b)
        let batched = a.reshaped([1, 300, 200]).matmul(b.reshaped([1, 200, 250])).reshaped([300, 250])
        assertClose(split, batched, rtol: 1e-5)
    }

    func testMatmulGradients() {
        let a = param([2, 3, 4], seed: 1), b = param([4, 5], seed: 2), c = param([2, 4, 2], seed: 3)
        checkGradients([a, b], "matmul with 2-D weight") { $0[0].matmul($0[1]) }
        checkGradients([a, c], "batched matmul") { $0[0].matmul($0[1]) }
        let x = param([3, 2, 6], seed: 4), w = param([5, 6], seed: 5), bias = param([5], seed: 6)
        checkGradients([x, w, bias], "linear") { $0[0].linear(weight: $0[1], bias: $0[2]) }
    }
}

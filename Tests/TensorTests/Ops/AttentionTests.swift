import Tensor
import TestSupport
import XCTest

final class AttentionTests: XCTestCase {
    func testAttentionMatchesTorchSDPA() throws {
        try checkParity("attention", inputs: 3) { Tensor.attention(q: $0[0], k: $0[1], v: $0[2]) }
        // 150 queries: several 64-row blocks and a ragged last one.
        try checkParity("attention_long", inputs: 3) { Tensor.attention(q: $0[0], k: $0[1], v: $0[2]) }
    }

    func testAttentionEqualsComposedSoftmaxOfScores() {
        let q = Tensor.normal([2, 70, 8], seed: 1), k = Tensor.normal([2, 9, 8], seed: 2), v = Tensor.normal([2, 9, 3], seed: 3)
        let reference = (q.matmul(k.transposed(1, 2)) * 0.25).softmax().matmul(v)
        assertClose(Tensor.attention(q: q, k: k, v: v, scale: 0.25), reference, rtol: 1e-5)
    }

    func testAttentionGradients() {
        let q = param([1, 2, 70, 4], seed: 4), k = param([1, 2, 5, 4], seed: 5), v = param([1, 2, 5, 3], seed: 6)
        checkGradients([q, k, v], "cross attention") { Tensor.attention(q: $0[0], k: $0[1], v: $0[2]) }
        let s = param([3, 7, 4], seed: 7)
        checkGradients([s], "self attention, shared input") { Tensor.attention(q: $0[0], k: $0[0], v: $0[0]) }
    }
}

import Tensor
import TestSupport
import XCTest

final class PoolTests: XCTestCase {
    func testResamplingMatchesTorch() throws {
        try checkParity("upsample", inputs: 1) { $0[0].upsampleNearest() }
        try checkParity("avgpool", inputs: 1) { $0[0].avgPool2d(kernel: 2) }
        try checkParity("maxpool_k3s2", inputs: 1) { $0[0].maxPool2d(kernel: 3, stride: 2) }
    }

    func testResamplingGradients() {
        let x = param([2, 2, 6, 6], seed: 1)
        checkGradients([x], "upsample") { $0[0].upsampleNearest() }
        checkGradients([x], "avg pool") { $0[0].avgPool2d(kernel: 2) }
        checkGradients([x], "max pool", eps: 1e-3) { $0[0].maxPool2d(kernel: 3, stride: 2) }
    }
}

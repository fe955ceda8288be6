import Tensor
import TestSupport
import XCTest

final class ElementwiseTests: XCTestCase {
    func testActivationsMatchTorch() throws {
        try checkParity("gelu_erf", inputs: 1) { $0[0].gelu() }
        try checkParity("gelu_tanh", inputs: 1) { $0[0].gelu(approximate: .tanh) }
        try checkParity("silu", inputs: 1) { $0[0].silu() }
        try checkParity("sigmoid", inputs: 1) { $0[0].sigmoid() }
        try checkParity("geglu", inputs: 1) { $0[0].geglu() }
        try checkParity("exp", inputs: 1) { $0[0].exp() }
    }

    func testBroadcastingArithmetic() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), b = Tensor([10, 20, 30], shape: [3])
        XCTAssertEqual((a + b).toArray(), [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a * Tensor([2, 3], shape: [2, 1])).toArray(), [2, 4, 6, 12, 15, 18])
        XCTAssertEqual((a - 1).toArray(), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual((Tensor([6], shape: [1]) / a).toArray(), [6, 3, 2, 1.5, 1.2, 1])
        XCTAssertEqual((a.transposed(0, 1) + Tensor([1, 2], shape: [2])).toArray(), [2, 6, 3, 7, 4, 8])
        XCTAssertEqual(Tensor.broadcastShape([4, 1, 3], [5, 1]), [4, 5, 3])
    }

    func testArithmeticGradients() {
        let a = param([3, 4], seed: 1), b = param([4], seed: 2), c = param([3, 1], seed: 3, mean: 3)
        checkGradients([a, b], "add") { $0[0] + $0[1] }
        checkGradients([a, b], "sub") { $0[0] - $0[1] }
        checkGradients([a, c], "mul") { $0[0] * $0[1] }
        checkGradients([a, c], "div") { $0[0] / $0[1] }
        checkGradients([a, b], "maximum") { Tensor.maximum($0[0], $0[1]) }
        checkGradients([a], "scalar ops") { ($0[0] * 3 + 1) / 2 - 5 }
    }

    func testUnaryGradients() {
        let x = param([40], seed: 4), pos = Tensor.uniform([40], low: 0.5, high: 3, seed: 5).requiringGrad()
        checkGradients([x], "exp") { $0[0].exp() }
        checkGradients([pos], "log") { $0[0].log() }
        checkGradients([pos], "sqrt") { $0[0].sqrt() }
        checkGradients([pos], "pow") { $0[0].pow(2.5) }
        checkGradients([x], "abs", eps: 1e-3) { $0[0].abs() }
        checkGradients([x], "relu", eps: 1e-3) { $0[0].relu() }
        checkGradients([x], "tanh") { $0[0].tanh() }
        checkGradients([x], "sin and cos") { $0[0].sin() * $0[0].cos() }
    }

    func testActivationKernelGradients() {
        let x = param([64], seed: 6, std: 3)
        checkGradients([x], "sigmoid") { $0[0].sigmoid() }
        checkGradients([x], "silu") { $0[0].silu() }
        checkGradients([x], "gelu erf") { $0[0].gelu() }
        checkGradients([x], "gelu tanh") { $0[0].gelu(approximate: .tanh) }
        let h = param([3, 8], seed: 7)
        checkGradients([h], "geglu") { $0[0].geglu() }
    }
}

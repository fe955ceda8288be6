import NN
import Tensor
import TestSupport
import XCTest

final class NormalizationTests: XCTestCase {
    func testBatchNormInferenceAndPReLUValues() throws {
        let path = Fixtures.temporaryDirectory() + "/bn.safetensors"
        try SafeTensors.write([("bn.weight", Tensor([2, 1], shape: [2])), ("bn.bias", Tensor([0, 1], shape: [2])),
                               ("bn.running_mean", Tensor([1, -1], shape: [2])), ("bn.running_var", Tensor([4, 0.25], shape: [2])),
                               ("act.weight", Tensor([0.5, 0.1], shape: [2]))], to: path)
        let w = try WeightLoader(path: path)
        let bn = try BatchNorm(WeightScope(w)["bn"], channels: 2, eps: 0)
        let act = try PReLU(WeightScope(w)["act"], channels: 2)
        try w.finish()
        let x = Tensor([3, -1, 0, 1], shape: [2, 2])  // rows: samples, columns: channels
        // channel 0: 2 (x - 1) / 2; channel 1: (x + 1) / 0.5 + 1
        let expected: [Float] = [2, 1, -1, 5]
        XCTAssertEqual(bn(x).toArray(), expected)
        XCTAssertEqual(act(Tensor([-2, -10, 3, 4], shape: [2, 2])).toArray(), [-1, -1, 3, 4])
    }

    func testGradients() throws {
        let random = WeightScope(RandomInitializer(seed: 4))
        let bn = try BatchNorm(random["bn"], channels: 3), act = try PReLU(random["act"], channels: 3)
        let x = param([2, 3, 4, 5], seed: 5)
        checkGradients([x, bn.weight, bn.bias], "batch norm") { _ in bn(x) }
        checkGradients([x, act.weight], "prelu", eps: 1e-3) { _ in act(x) }
    }
}

import Models
import NN
import Tensor
import TestSupport
import XCTest

/// The ArcFace IResNet against a tiny random-weight PyTorch IResNet
/// (Tools/golden/make_iresnet_fixtures.py), loaded strictly by insightface's key names.
final class IResNetTests: XCTestCase {
    let tiny = IResNet.Config(blocks: [1, 2, 1, 1], widths: [4, 8, 16, 32], stem: 8, features: 16)

    func testEmbeddingAndInputGradientMatchTorch() throws {
        let model = try WeightLoader.load(path: Fixtures.path("iresnet/tiny_iresnet.safetensors")) { try IResNet($0, config: tiny) }
        let io = try Fixtures.file("iresnet/tiny_iresnet_io.safetensors")
        let x = try io.tensor("x").clone().requiringGrad()
        let y = model(x)
        assertClose(y, try io.tensor("embedding"), rtol: 1e-4, "embedding")
        (y * (try io.tensor("r"))).sum().backward()
        assertClose(x.grad!, try io.tensor("grad_x"), rtol: 1e-3, "d embedding / d input")
    }

    func testIdentityLossIsOneMinusCosine() throws {
        let model = try IResNet(WeightScope(RandomInitializer(seed: 1)), config: tiny)
        let a = Tensor.uniform([1, 3, 112, 112], low: -1, high: 1, seed: 2)
        let ea = noGrad { model(a) }
        let cos = { (u: Tensor, v: Tensor) -> Tensor in (u * v).sum() / ((u * u).sum() * (v * v).sum()).sqrt() }
        XCTAssertEqual(1 - cos(ea, ea).item(), 0, accuracy: 1e-6)
        let b = Tensor.uniform([1, 3, 112, 112], low: -1, high: 1, seed: 3)
        XCTAssertGreaterThan(1 - cos(ea, noGrad { model(b) }).item(), 1e-3)
    }
}

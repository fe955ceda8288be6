import Models
import NN
import Tensor
import TestSupport
import XCTest

/// LPIPS against the `lpips` PyTorch package 0.1.4 with the same converted weights
/// (Tools/golden/make_lpips_fixtures.py); weights from Tools/convert/lpips_weights.py.
final class LPIPSTests: XCTestCase {
    func testDistancesAndGradientsMatchTheLpipsPackage() throws {
        let fx = try Fixtures.file("lpips/lpips.safetensors")
        for backbone in LPIPS.Backbone.allCases {
            let model = try LPIPS.pretrained(backbone)
            for pair in ["p64", "p48x72"] {
                let x0 = try fx.tensor("\(pair).x0").clone().requiringGrad(), x1 = try fx.tensor("\(pair).x1")
                let d = model(x0, x1)
                let expected = try fx.tensor("\(pair).\(backbone.rawValue)").item()
                XCTAssertEqual(d.item(), expected, accuracy: 1e-4, "\(backbone) \(pair)")
                d.sum().backward()
                // A metric: the pretrained network is frozen, the backward reaches the image only.
                XCTAssertTrue(model.parameters.allSatisfy { !$0.requiresGrad && $0.grad == nil }, "\(backbone): weights got gradients")
                // VGG on p48x72 has 2x2 max-pool windows whose two largest inputs differ by a
                // relative 1.6e-5 (measured in torch): Winograd and direct convolution round to
                // different winners and the gradient of max jumps there, so only its distance is
                // compared. Everywhere else the gradient must agree element by element.
                if backbone == .vgg && pair == "p48x72" { continue }
                let ours = x0.grad!.toArray(), torch = try fx.tensor("\(pair).\(backbone.rawValue).grad0").toArray()
                let scale = torch.map { abs($0) }.max()!
                let far = zip(ours, torch).filter { abs($0 - $1) > 1e-3 * abs($1) + 1e-4 * scale }.count
                XCTAssertEqual(far, 0, "\(backbone) \(pair): gradient elements off")
            }
        }
    }

    func testIdentityAndSymmetry() throws {
        let model = try LPIPS.pretrained(.alex)
        let a = Tensor.uniform([2, 3, 64, 64], low: -1, high: 1, seed: 1), b = Tensor.uniform([2, 3, 64, 64], low: -1, high: 1, seed: 2)
        let same = noGrad { model(a, a) }.toArray(), ab = noGrad { model(a, b) }.toArray(), ba = noGrad { model(b, a) }.toArray()
        XCTAssertEqual(same, [0, 0])
        for (x, y) in zip(ab, ba) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertGreaterThan(ab[0], 0.1)
    }

    /// The fused tap (Shaders-CPU/nn_lpips.c) against the composed ops it replaces
    /// (lpips.normalize_tensor, difference, square, 1x1 head, spatial mean), and its gradients
    /// with respect to both features and the head against finite differences.
    func testFusedTapEqualsTheComposedOpsAndItsGradients() {
        func composed(_ a: Tensor, _ b: Tensor, _ w: Tensor) -> Tensor {
            func unit(_ x: Tensor) -> Tensor { x / ((x * x).sum(axes: [1], keepDims: true).sqrt() + 1e-10) }
            let d = unit(a) - unit(b)
            return (d * d).conv2d(weight: w).mean(axes: [2, 3]).reshaped([a.shape[0]])
        }
        // 70 pixels: a full block of 64 and a tail; 5 channels.
        let a = param([2, 5, 7, 10], seed: 1), b = param([2, 5, 7, 10], seed: 2), w = param([1, 5, 1, 1], seed: 3)
        let fused = LPIPS.tapDistance(a, b, head: w), reference = composed(a, b, w)
        assertClose(fused, reference, rtol: 1e-5, atol: 1e-6)
        let r = Tensor([0.7, -1.3], shape: [2])
        (fused * r).sum().backward()
        let grads = [a, b, w].map { $0.grad!.clone() }
        for t in [a, b, w] { t.zeroGrad() }
        (reference * r).sum().backward()
        for (k, (ours, theirs)) in zip(grads, [a, b, w].map { $0.grad! }).enumerated() {
            assertClose(ours, theirs, rtol: 1e-4, atol: 1e-6, "gradient \(k)")
        }
        checkGradients([a, b, w], "fused LPIPS tap", eps: 1e-3) { LPIPS.tapDistance($0[0], $0[1], head: $0[2]) }
    }

    /// A pixel whose features are all zero (a ReLU tap can give one): the distance counts it as a
    /// unit vector's difference from zero and the gradients stay finite (the composed ops give NaN).
    func testFusedTapAtAZeroFeatureVector() {
        let a = param([1, 4, 3, 3], seed: 4), b = param([1, 4, 3, 3], seed: 5)
        for c in 0..<4 { a.data[c * 9 + 4] = 0 }
        let w = Tensor(filling: 1, shape: [1, 4, 1, 1])
        LPIPS.tapDistance(a, b, head: w).sum().backward()
        XCTAssertTrue(a.grad!.toArray().allSatisfy(\.isFinite) && b.grad!.toArray().allSatisfy(\.isFinite))
        // At the zero pixel only the tangential term remains: da = u / eps there, finite but large.
        XCTAssertTrue(b.grad!.toArray().contains { $0 != 0 })
    }

    func testMissingWeightsSayHowToGetThem() {
        setenv("ORBIT_WEIGHTS", "/nonexistent-orbit-weights", 1)
        defer { unsetenv("ORBIT_WEIGHTS") }
        XCTAssertThrowsError(try LPIPS.pretrained(.vgg)) { error in
            XCTAssertTrue("\(error)".contains("lpips_vgg.safetensors") && "\(error)".contains("Tools/convert/lpips_weights.py"), "\(error)")
        }
    }
}

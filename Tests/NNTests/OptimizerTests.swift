import NN
import Tensor
import TestSupport
import XCTest

final class OptimizerTests: XCTestCase {
    /// Three steps against torch.optim.Adam / AdamW (Tools/golden/make_core_fixtures.py).
    func testAdamAndAdamWMatchTorch() throws {
        let fx = try Fixtures.file("core/ops.safetensors")
        for (name, wd, decoupled) in [("adam", Float(0.01), false), ("adamw", Float(0.1), true)] {
            let p = try fx.tensor("\(name).p0").clone().requiringGrad()
            let opt = Adam(groups: [ParameterGroup(parameters: [p], learningRate: 0.05, weightDecay: wd)],
                           beta1: 0.8, beta2: 0.95, eps: 1e-6, decoupled: decoupled)
            for s in 0..<3 {
                p.grad = try fx.tensor("\(name).g\(s)").clone()
                opt.update()
            }
            assertClose(p, try fx.tensor("\(name).p3"), rtol: 1e-5, name)
        }
    }

    func testAdamFitsALinearModel() throws {
        // y = 3x - 2 from noisy samples: loss must fall by orders of magnitude.
        let x = Tensor.uniform([256, 1], low: -1, high: 1, seed: 1)
        let y = x * 3 - 2 + Tensor.normal([256, 1], std: 0.01, seed: 2)
        let layer = try Linear(WeightScope(RandomInitializer(seed: 3))["fit"], inFeatures: 1, outFeatures: 1)
        let opt = Adam(groups: [ParameterGroup(parameters: layer.parameters, learningRate: 0.1,
                                               schedule: CosineSchedule(steps: 300, minFactor: 0.01))])
        var first: Float = 0, last: Float = 0
        for step in 0..<300 {
            opt.zeroGrad()
            let loss = (layer(x) - y).pow(2).mean()
            loss.backward()
            opt.update()
            if step == 0 { first = loss.item() }
            last = loss.item()
        }
        XCTAssertLessThan(last, first * 1e-3)
        XCTAssertEqual(layer.weight.item(), 3, accuracy: 0.02)
        XCTAssertEqual(layer.bias!.item(), -2, accuracy: 0.02)
    }

    func testParameterGroupsUseTheirOwnRates() {
        let a = Tensor([1], shape: [1]).requiringGrad(), b = Tensor([1], shape: [1]).requiringGrad()
        let opt = Adam(groups: [ParameterGroup(parameters: [a], learningRate: 0.1),
                                ParameterGroup(parameters: [b], learningRate: 0.01)])
        a.grad = Tensor([1], shape: [1])
        b.grad = Tensor([1], shape: [1])
        opt.update()
        // Adam's first step moves each parameter by its learning rate (sign of the gradient).
        XCTAssertEqual(a.item(), 0.9, accuracy: 1e-5)
        XCTAssertEqual(b.item(), 0.99, accuracy: 1e-6)
    }

    func testSchedules() {
        XCTAssertEqual(LinearSchedule(end: 0, steps: 10).factor(step: 5), 0.5, accuracy: 1e-6)
        XCTAssertEqual(LinearSchedule(end: 0, steps: 10, warmup: 4).factor(step: 1), 0.5, accuracy: 1e-6)
        XCTAssertEqual(CosineSchedule(steps: 100).factor(step: 50), 0.5, accuracy: 1e-6)
        XCTAssertEqual(CosineSchedule(steps: 100, minFactor: 0.1).factor(step: 100), 0.1, accuracy: 1e-6)
        // 3DGS position schedule: 1.6e-4 -> 1.6e-6 over 30000 steps, log-linear.
        let e = ExponentialSchedule(finalFactor: 0.01, steps: 30000)
        XCTAssertEqual(e.factor(step: 15000), 0.1, accuracy: 1e-5)
        XCTAssertEqual(e.factor(step: 40000), 0.01, accuracy: 1e-6)
        // Warm-up, full rate, then a linear anneal to 0.1 over 1000 steps from step 5000.
        let a = WarmupAnnealSchedule(warmup: 300, annealFrom: 5000, annealSteps: 1000, finalFactor: 0.1)
        XCTAssertEqual(a.factor(step: 149), 0.5, accuracy: 1e-6)
        XCTAssertEqual(a.factor(step: 5000), 1, accuracy: 1e-6)
        XCTAssertEqual(a.factor(step: 5500), 0.55, accuracy: 1e-6)
        XCTAssertEqual(a.factor(step: 9000), 0.1, accuracy: 1e-6)
        XCTAssertEqual(WarmupAnnealSchedule(warmup: 300).factor(step: 9000), 1)
        // A warm restart: 0.4 at step 17000 falling to 0.04 at 26000.
        let r = WarmupAnnealSchedule(warmup: 300, annealFrom: 17000, annealSteps: 9000, startFactor: 0.4, finalFactor: 0.04)
        XCTAssertEqual(r.factor(step: 16999), 1)
        XCTAssertEqual(r.factor(step: 17000), 0.4, accuracy: 1e-6)
        XCTAssertEqual(r.factor(step: 21500), 0.22, accuracy: 1e-6)
        XCTAssertEqual(r.factor(step: 30000), 0.04, accuracy: 1e-6)
    }

    func testGradientClipping() {
        let a = Tensor([0, 0], shape: [2]).requiringGrad(), b = Tensor([0], shape: [1]).requiringGrad()
        a.grad = Tensor([3, 0], shape: [2])
        b.grad = Tensor([4], shape: [1])
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 1), 5, accuracy: 1e-5)
        XCTAssertEqual(a.grad!.toArray()[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.item(), 0.8, accuracy: 1e-5)
        clipGradValue([b], limit: 0.5)
        XCTAssertEqual(b.grad!.item(), 0.5)
    }
}

import Foundation
import NN
import Tensor
import XCTest
import Training

final class TrainerCheckpointTests: XCTestCase {
    /// A checkpoint restores parameters, Adam's moments and step and the EMA so that the next update is
    /// the same as an uninterrupted run's; a checkpoint of another configuration is refused by name.
    func testRoundTripContinuesExactly() throws {
        func model() -> [(String, Tensor)] {
            [("a", Tensor.normal([3, 4], seed: 1).requiringGrad()), ("b", Tensor.normal([5], seed: 2).requiringGrad())]
        }
        func step(_ params: [(String, Tensor)], _ adam: Adam, _ ema: ExponentialMovingAverage, _ i: Int) {
            adam.zeroGrad()
            let loss = (params[0].1 * params[0].1).sum() * Float(i + 1) + (params[1].1 - 0.5).abs().sum()
            loss.backward()
            adam.update()
            ema.update(params, step: adam.step)
        }
        let path = NSTemporaryDirectory() + "orbit-ckpt-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p1 = model()
        let adam1 = Adam.adamW(groups: [ParameterGroup(parameters: p1.map(\.1), learningRate: 0.01, weightDecay: 0.1)])
        let ema1 = ExponentialMovingAverage(p1, decay: 0.9)
        for i in 0..<3 { step(p1, adam1, ema1, i) }
        try TrainerCheckpoint.save(to: path, step: 3, fingerprint: "test", parameters: p1, optimizer: adam1, ema: ema1,
                                   history: [LossRecord(step: 3, loss: 1.5, terms: ["x": 2])])
        step(p1, adam1, ema1, 3)

        let p2 = model()
        let adam2 = Adam.adamW(groups: [ParameterGroup(parameters: p2.map(\.1), learningRate: 0.01, weightDecay: 0.1)])
        let ema2 = ExponentialMovingAverage(p2, decay: 0.9)
        let restored = try TrainerCheckpoint.restore(from: path, fingerprint: "test", parameters: p2, optimizer: adam2, ema: ema2)
        XCTAssertEqual(restored.step, 3)
        XCTAssertEqual(restored.history.first?.terms["x"], 2)
        step(p2, adam2, ema2, 3)
        for (x, y) in zip(p1, p2) { XCTAssertEqual(x.1.toArray(), y.1.toArray(), x.0) }
        for (x, y) in zip(ema1.shadows, ema2.shadows) { XCTAssertEqual(x.1.toArray(), y.1.toArray(), x.0) }
        XCTAssertEqual(adam1.step, adam2.step)

        XCTAssertThrowsError(try TrainerCheckpoint.restore(from: path, fingerprint: "other", parameters: p2, optimizer: adam2, ema: nil)) {
            XCTAssertTrue("\($0)".contains(path), "\($0)")
        }
    }

    /// The EMA's warm-up and update rule on one parameter.
    func testMovingAverageFollowsItsRule() {
        let p = Tensor([1, 2], shape: [2])
        let ema = ExponentialMovingAverage([("p", p)], decay: 0.99)
        p.data[0] = 3
        ema.update([("p", p)], step: 1)
        let d: Float = 2.0 / 11.0
        XCTAssertEqual(ema.shadows[0].1.toArray()[0], d * 1 + (1 - d) * 3, accuracy: 1e-6)
        XCTAssertEqual(ema.effectiveDecay(step: 10_000), 0.99)
    }
}

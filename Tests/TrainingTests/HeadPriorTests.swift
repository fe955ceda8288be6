import Foundation
import Models
import NN
import Pipeline
import Tensor
import TestSupport
import Training
import XCTest

/// The latent layout, the prior's scaling, and its training on a handful of made-up latents.
final class HeadPriorTests: XCTestCase {
    func testLatentLayoutJoinsAndSplitsTheCodes() {
        var c = NPHMConfiguration()
        (c.symmetricPairs, c.midlineAnchors, c.globalCode, c.localCode, c.expressionCode) = (1, 1, 3, 2, 3)
        let layout = HeadLatentLayout(c)
        XCTAssertEqual(layout.used, 2 * (3 + 4 * 2) + 3)
        XCTAssertEqual(layout.length % 8, 0)
        XCTAssertGreaterThanOrEqual(layout.length, layout.used)
        let (g, a, e) = (Tensor.normal([2, 11], seed: 1), Tensor.normal([2, 11], seed: 2), Tensor.normal([2, 3], seed: 3))
        let joined = layout.join(geometry: g, appearance: a, expression: e)
        XCTAssertEqual(joined.shape, [2, layout.length])
        XCTAssertEqual(joined.slice(axis: 1, layout.used..<layout.length).toArray(), [Float](repeating: 0, count: 2 * (layout.length - layout.used)))
        let parts = layout.split(joined)
        XCTAssertEqual(parts.geometry.toArray(), g.toArray())
        XCTAssertEqual(parts.appearance.toArray(), a.toArray())
        XCTAssertEqual(parts.expression.toArray(), e.toArray())
    }

    func data() -> HeadPriorData {
        HeadPriorData(latents: Tensor.normal([4, 16], std: 0.05, seed: 7), conditions: Tensor.normal([4, 2, 6], seed: 8),
                      samples: (0..<4).map { (subject: $0, appearance: 0) })
    }

    func testScalingMapsTheTrainingRangeToPlusMinusOne() throws {
        var config = HeadPriorTrainingConfig()
        (config.unet.channels, config.unet.groups, config.unet.embedding) = ([8, 16], 4, 16)
        let trainer = try HeadPriorTrainer(config: config, data: data())
        let x = noGrad { trainer.prior.normalised(data().latents) }.toArray()
        XCTAssertEqual(x.min()!, -1, accuracy: 1e-5)
        XCTAssertEqual(x.max()!, 1, accuracy: 1e-5)
        let back = noGrad { trainer.prior.denormalised(trainer.prior.normalised(data().latents)) }
        assertClose(back, data().latents, atol: 1e-6, "round trip")
    }

    /// The denoising loss falls well below its starting level in a few hundred steps.
    func testTrainingLowersTheDenoisingLoss() throws {
        var config = HeadPriorTrainingConfig()
        (config.unet.channels, config.unet.groups, config.unet.embedding, config.batch, config.warmup) = ([8, 16], 4, 16, 16, 10)
        config.learningRate = 2e-3
        let trainer = try HeadPriorTrainer(config: config, data: data())
        var first: Float = 0, last: Float = 0
        for step in 0..<300 {
            let loss = try trainer.trainStep(step)["loss"]!
            if step < 20 { first += loss / 20 }
            if step >= 280 { last += loss / 20 }
        }
        XCTAssertLessThan(last, 0.6 * first, "\(first) -> \(last)")

        // The one-step posterior mean of each sample's condition lies nearer its own latent than the
        // mean latent does (four samples: the network has learned which condition goes with which).
        let prior = trainer.prior, latents = data().latents, conditions = data().conditions.slice(axis: 1, 0..<1).reshaped([4, -1])
        let estimate = prior.posteriorMean(conditions: conditions, draws: 16, seed: 3)
        XCTAssertEqual(estimate.shape, [4, 16])
        let meanError = noGrad { (latents - prior.latentMean.unsqueezed(0)).pow(2).mean().item() }
        let estimateError = noGrad { (latents - estimate).pow(2).mean().item() }
        XCTAssertLessThan(estimateError, 0.5 * meanError, "posterior mean \(estimateError) vs mean latent \(meanError)")
    }
}

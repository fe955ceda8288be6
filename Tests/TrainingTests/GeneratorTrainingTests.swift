import Foundation
import Imaging
import Models
import NN
import Pipeline
import Diffusion
import Tensor
import TestSupport
import XCTest
import Training

/// The generator's training chain on a made-up dataset of random 32 px orbits with the tiny model:
/// the cache, a training step, and resuming from a checkpoint.
final class GeneratorTrainingTests: XCTestCase {
    /// A dataset folder of two image sets (one training, one validation subject) of random views, a
    /// random tiny VAE exported as `orbit train vae` does, and the cache built from them.
    static func makeFixture() throws -> (data: String, vae: String, cache: LatentCache, train: [ImageSetReference]) {
        let root = Fixtures.temporaryDirectory()
        let data = root + "/data"
        let splits: [String: Any] = ["train": [0], "val": [1], "test": [Int]()]
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try ModelConfigFile.write(["resolution": 32, "appearances": 1, "splits": splits], to: data + "/dataset.json")
        for subject in 0..<2 {
            let views = data + String(format: "/subject_%04d/appearance_00/views", subject)
            try FileManager.default.createDirectory(atPath: views, withIntermediateDirectories: true)
            for v in 0..<96 {
                let pixels = Tensor.uniform([32 * 32 * 4], seed: UInt64(subject * 1000 + v)).toArray().enumerated().map { $0 % 4 == 3 ? 1 : $1 }
                try ImageIO.write(Image(width: 32, height: 32, channels: 4, pixels: pixels), to: views + String(format: "/%03d.png", v))
            }
            try Data("{}".utf8).write(to: URL(fileURLWithPath: views + "/transforms.json"))
        }
        let vaeDirectory = root + "/vae"
        let config = GeneratorModel.Configuration.tiny.vae
        try VAETrainingJob.export(try AutoencoderKLTemporalDecoder(WeightScope(RandomInitializer(seed: 5)), config: config),
                                  config: config, to: vaeDirectory)
        let sets = try SynthImageSets(root: data)
        let all = try sets.imageSets(split: "train") + sets.imageSets(split: "val")
        let cache = try LatentCache.build(sets: all, dataset: data, vaeDirectory: vaeDirectory, identityEncoder: .sface,
                                          into: root + "/cache") { _, _ in }
        return (data, vaeDirectory, cache, try sets.imageSets(split: "train"))
    }

    static func trainingConfig() -> GeneratorTrainingConfig {
        var config = GeneratorTrainingConfig()
        config.model = .tiny
        config.model.unet.explicitFramePositions = true
        (config.framesPerSample, config.batch, config.warmup) = (4, 2, 2)
        return config
    }

    /// The cache holds each view's VAE latent mean; steps are functions of the step number, so a run
    /// resumed from a checkpoint ends with the parameters and EMA of one that never stopped.
    func testCacheAndBitExactResume() throws {
        let fixture = try Self.makeFixture()
        let shard = try fixture.cache.load(fixture.train[0])
        XCTAssertEqual(shard.latents.shape, [96, 4, 4, 4])
        let vae = try AutoencoderKLTemporalDecoder.load(directory: fixture.vae)
        let view7 = noGrad { vae.encoder(try! fixture.train[0].view(7).unsqueezed(0)).mean }
        assertClose(shard.latents.slice(axis: 0, 7..<8), view7, rtol: 1e-5, "cached latent of view 7")

        func trainer() throws -> GeneratorTrainer {
            try GeneratorTrainer(config: Self.trainingConfig(), vaeDirectory: fixture.vae, cache: fixture.cache, train: fixture.train)
        }
        let straight = try trainer()
        var losses: [Float] = []
        for step in 0..<3 { losses.append(try straight.trainStep(step)["loss"]!) }
        XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(losses)")

        let first = try trainer()
        for step in 0..<2 { _ = try first.trainStep(step) }
        let path = Fixtures.temporaryDirectory() + "/checkpoint.safetensors"
        try TrainerCheckpoint.save(to: path, step: 2, fingerprint: first.config.fingerprint, parameters: first.trainedParameters,
                                   optimizer: first.optimizer, ema: first.ema, history: [])
        let resumed = try trainer()
        _ = try TrainerCheckpoint.restore(from: path, fingerprint: resumed.config.fingerprint, parameters: resumed.trainedParameters,
                                          optimizer: resumed.optimizer, ema: resumed.ema)
        XCTAssertEqual(try resumed.trainStep(2)["loss"], losses[2])
        for ((key, a), (_, b)) in zip(straight.trainedParameters, resumed.trainedParameters) {
            XCTAssertEqual(a.toArray(), b.toArray(), key)
        }
        for ((key, a), (_, b)) in zip(straight.ema.shadows, resumed.ema.shadows) { XCTAssertEqual(a.toArray(), b.toArray(), "ema \(key)") }
    }

    /// Eq. 4's perceptual term decodes each sample's first run of clean estimates through the frozen VAE
    /// and reaches the UNet's weights; the VAE itself does not change.
    /// Switching a cache to the expression-aware identity encoder rewrites each face's embedding to what
    /// that encoder gives for the face (aligned with the stored landmarks), leaves the latents alone,
    /// records the encoder, and a build with the other encoder is then refused by name.
    func testReembeddingSwitchesTheIdentityEncoder() throws {
        let root = Fixtures.temporaryDirectory()
        let data = root + "/data", views = data + "/subject_0000/appearance_00/views"
        try FileManager.default.createDirectory(atPath: views, withIntermediateDirectories: true)
        try ModelConfigFile.write(["resolution": 128, "appearances": 1, "splits": ["train": [0]]], to: data + "/dataset.json")
        let face = Fixtures.path("identity/subject_0005_appearance_01_view_016.png")
        for v in 0..<96 { try FileManager.default.copyItem(atPath: face, toPath: views + String(format: "/%03d.png", v)) }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: views + "/transforms.json"))
        let vaeDirectory = root + "/vae"
        try VAETrainingJob.export(try AutoencoderKLTemporalDecoder(WeightScope(RandomInitializer(seed: 5)), config: GeneratorModel.Configuration.tiny.vae),
                                  config: GeneratorModel.Configuration.tiny.vae, to: vaeDirectory)
        let sets = try SynthImageSets(root: data).imageSets(split: "train")
        let before = try LatentCache.build(sets: sets, dataset: data, vaeDirectory: vaeDirectory, identityEncoder: .sface, into: root + "/cache") { _, _ in }
        let old = try before.load(sets[0])
        let v = try XCTUnwrap(LatentCache.identityViews.first { old.hasFace[$0] }, "the fixture face is detected")
        try before.reembedIdentities(sets: sets, with: .expressionAware) { _, _ in }
        let after = try LatentCache(directory: root + "/cache")
        XCTAssertEqual(after.identityEncoder, .expressionAware)
        let new = try after.load(sets[0])
        let found = try XCTUnwrap(try FaceAnalysis.pretrained().analyse(try ImageIO.read(face)))
        let expected = FaceAnalysis.embedding(found.aligned, model: try IdentityEncoder.expressionAware.load())
        XCTAssertLessThan(maxAbsDiff(new.identity.slice(axis: 0, v..<(v + 1)), expected), 1e-3)
        XCTAssertGreaterThan(maxAbsDiff(old.identity.slice(axis: 0, v..<(v + 1)), expected), 0.1, "the pretrained embedding differs")
        XCTAssertEqual(maxAbsDiff(new.latents, old.latents), 0)
        XCTAssertEqual(new.hasFace, old.hasFace)
        XCTAssertThrowsError(try LatentCache.build(sets: sets, dataset: data, vaeDirectory: vaeDirectory, identityEncoder: .sface,
                                                   into: root + "/cache") { _, _ in }) {
            XCTAssertTrue("\($0)".contains("sface-expression") && "\($0)".contains("cache.json"), "\($0)")
        }
    }

    func testPerceptualTermTrainsTheUNetThroughTheDecoder() throws {
        let fixture = try Self.makeFixture()
        var config = Self.trainingConfig()
        config.perceptualWeight = 0.5
        let trainer = try GeneratorTrainer(config: config, vaeDirectory: fixture.vae, cache: fixture.cache, train: fixture.train)
        let vaeBefore = trainer.model.vae.parameters.map { $0.toArray() }
        let terms = try trainer.trainStep(0)
        XCTAssertTrue(terms["perceptual"].map { $0.isFinite && $0 > 0 } ?? false, "\(terms)")
        XCTAssertEqual(terms["loss"]!, terms["mse_v"]! + 0.5 * terms["perceptual"]!, accuracy: 1e-4)
        XCTAssertNil(terms["identity"])
        XCTAssertNotNil(trainer.model.unet.parameters[0].grad)
        XCTAssertEqual(trainer.model.vae.parameters.map { $0.toArray() }, vaeBefore)
    }

    /// The v-prediction target turns back into the clean latent through the sampler's own
    /// preconditioning (D = c_skip x + c_out v), at small and large noise.
    func testTargetIsTheSamplersParameterisation() {
        let x0 = Tensor.normal([2, 3], seed: 1), noise = Tensor.normal([2, 3], seed: 2)
        for sigma: Float in [0.01, 0.7, 30] {
            let noisy = x0 + noise * sigma
            let v = (x0 - noisy * EDMSampler.cSkip(sigma)) / EDMSampler.cOut(sigma)
            assertClose(EDMSampler.denoised(v: v, sample: noisy, sigma: sigma), x0, rtol: 1e-4, "sigma \(sigma)")
        }
    }
}

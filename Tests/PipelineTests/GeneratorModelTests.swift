import Foundation
import Imaging
import Models
import NN
import Pipeline
import Tensor
import TestSupport
import XCTest

final class GeneratorModelTests: XCTestCase {
    /// init-model's directory loads back strictly as the same model, and diffusers' and transformers'
    /// config readers see the configuration that was written.
    func testSavedDirectoryLoadsBackIdentically() throws {
        let dir = Fixtures.temporaryDirectory() + "/model"
        let model = try GeneratorModel.randomlyInitialised(.tiny, seed: 3)
        try model.save(to: dir)
        let loaded = try GeneratorModel.load(from: dir)
        XCTAssertEqual(loaded.configuration, .tiny)
        XCTAssertEqual(loaded.provenance, "random initialisation, seed 3")
        for (a, b) in [(model.unet, loaded.unet), (model.vae, loaded.vae), (model.imageEncoder, loaded.imageEncoder),
                       (model.context, loaded.context)] as [(Module, Module)] {
            XCTAssertEqual(a.namedParameters.map(\.0), b.namedParameters.map(\.0))
            for ((key, x), (_, y)) in zip(a.namedParameters, b.namedParameters) { XCTAssertEqual(x.toArray(), y.toArray(), key) }
        }
        XCTAssertThrowsError(try model.save(to: dir)) { XCTAssertTrue("\($0)".contains("already exists"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + ".partial-\(ProcessInfo.processInfo.processIdentifier)"))
    }

    /// What a trained model adds to its directory comes back: explicit frame positions, the sampler's
    /// sigma_max and the VAE's measured scaling factor.
    func testTrainedModelSettingsSurviveSaveAndLoad() throws {
        var configuration = GeneratorModel.Configuration.tiny
        configuration.unet.explicitFramePositions = true
        configuration.sigmaMax = 80
        configuration.vae.scalingFactor = 0.8125
        configuration.identityEncoder = .expressionAware
        let dir = Fixtures.temporaryDirectory() + "/model"
        try GeneratorModel.randomlyInitialised(configuration, seed: 1).save(to: dir)
        let loaded = try GeneratorModel.load(from: dir)
        XCTAssertEqual(loaded.configuration, configuration)
        XCTAssertEqual(loaded.vae.scalingFactor, 0.8125)
        let identityConfig = dir + "/identity_proj/config.json"
        let text = try String(contentsOfFile: identityConfig, encoding: .utf8)
        try text.replacingOccurrences(of: "sface-expression", with: "arcface-r100").write(toFile: identityConfig, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GeneratorModel.load(from: dir)) { XCTAssertTrue("\($0)".contains("arcface-r100"), "\($0)") }
    }

    func testSmallAndSVDConfigurationsWriteConfigsTheirReadersAccept() throws {
        let dir = Fixtures.temporaryDirectory()
        for configuration in [GeneratorModel.Configuration.small, .small256, .svd] {
            XCTAssertNil(configuration.problem)
            try ModelConfigFile.write(configuration.unet.diffusersConfig, to: dir + "/unet.json")
            try ModelConfigFile.write(configuration.vae.diffusersConfig, to: dir + "/vae.json")
            try ModelConfigFile.write(configuration.imageEncoder.transformersConfig, to: dir + "/clip.json")
            XCTAssertEqual(try UNetSpatioTemporalConfig(diffusersConfigAt: dir + "/unet.json"), configuration.unet)
            XCTAssertEqual(try VAEEncoder.Config(diffusersConfigAt: dir + "/vae.json"), configuration.vae)
            XCTAssertEqual(try CLIPVision.Config(transformersConfigAt: dir + "/clip.json"), configuration.imageEncoder)
        }
    }

    /// A weight file that does not fit its config is an error naming the file and the key.
    func testMismatchedWeightsAreRejectedNamingTheFile() throws {
        let dir = Fixtures.temporaryDirectory() + "/model"
        try GeneratorModel.randomlyInitialised(.tiny, seed: 0).save(to: dir)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/unet/config.json"))) as! [String: Any]
        config["cross_attention_dim"] = 48
        try ModelConfigFile.write(config, to: dir + "/unet/config.json")
        XCTAssertThrowsError(try GeneratorModel.load(from: dir)) {
            XCTAssertTrue("\($0)".contains("projects to 64 but the UNet's context is 48"), "\($0)")
        }
        try GeneratorModel.randomlyInitialised(.tiny, seed: 0).save(to: dir, replace: true)
        let weights = dir + "/vae/diffusion_pytorch_model.safetensors"
        let file = try SafeTensorsFile(path: weights)
        let kept = try file.entries.keys.sorted().dropLast().map { ($0, try file.tensor($0)) }
        try SafeTensors.write(Array(kept), to: weights)
        XCTAssertThrowsError(try GeneratorModel.load(from: dir)) {
            XCTAssertTrue("\($0)".contains(weights) && "\($0)".contains("missing key"), "\($0)")
        }
    }
}

extension GeneratorModelTests {
    /// model_index.json sizes that crashed generation are named errors (resolution 0, -32, or not a
    /// multiple of the downsampling; identity_dim 0; sigma_max 0).
    func testBadModelIndexSizesAreNamed() throws {
        let dir = Fixtures.temporaryDirectory() + "/model"
        try GeneratorModel.randomlyInitialised(.tiny, seed: 0).save(to: dir)
        let cases: [(String, String, Any, String)] = [
            ("model_index.json", "resolution", 0, "model_index.json: resolution must be at least 1, got 0"),
            ("model_index.json", "resolution", -32, "model_index.json: resolution must be at least 1, got -32"),
            ("model_index.json", "resolution", 40, "model_index.json: resolution 40 is not a multiple of 16"),
            ("model_index.json", "sigma_max", 0, "model_index.json: sigma_max must be a positive number"),
            ("identity_proj/config.json", "identity_dim", 0, "identity_proj/config.json: identity_dim must be at least 1, got 0"),
        ]
        for (file, key, value, problem) in cases {
            let path = dir + "/" + file
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            var object = try JSONSerialization.jsonObject(with: original) as! [String: Any]
            object[key] = value
            try ModelConfigFile.write(object, to: path)
            XCTAssertThrowsError(try GeneratorModel.load(from: dir)) { XCTAssertTrue("\($0)".contains(problem), "\($0) (want \(problem))") }
            try original.write(to: URL(fileURLWithPath: path))
        }
        XCTAssertNoThrow(try GeneratorModel.load(from: dir))
    }
}

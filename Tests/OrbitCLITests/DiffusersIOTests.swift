import Foundation
import Tensor
import TestSupport
import XCTest

/// `orbit verify-model` on IO files saved straight from diffusers calls, with no renaming or reshaping
/// (Tools/golden/make_diffusers_io_fixtures.py): a one-element or 0-dim `timestep` for a batch, decode's
/// latents as [B*F, C, h, w] with the frame count from the config or the stored outputs, and files
/// that store only some outputs (what is there is compared and listed; nothing comparable fails).
extension OrbitCLITests {
    /// A model folder of the tiny fixture model `kind` ("unet" or "vae"): diffusers' config.json and weights.
    func diffusersModel(_ kind: String, in folder: String = Fixtures.temporaryDirectory()) throws -> String {
        let (config, weights) = kind == "unet" ? ("unet/unet_config/config.json", "unet/unet.safetensors")
            : ("vae/tiny_temporal_vae_config/config.json", "vae/tiny_temporal_vae.safetensors")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path(config), toPath: folder + "/config.json")
        try FileManager.default.copyItem(atPath: Fixtures.path(weights), toPath: folder + "/diffusion_pytorch_model.safetensors")
        return folder
    }

    /// `verify-model --json`'s object; fails the test when the command fails.
    func verification(_ model: String, _ io: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let run = try orbit(["verify-model", "--model", model, "--io", io, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
    }

    func compared(_ json: [String: Any]) -> [String] { ((json["compared"] as? [String: Any]) ?? [:]).keys.sorted() }
    func notes(_ json: [String: Any]) -> String { ((json["notes"] as? [String]) ?? []).joined(separator: "\n") }
    func maxDifference(_ json: [String: Any]) -> Double { (json["max_abs_diff"] as? NSNumber)?.doubleValue ?? .infinity }

    /// The named tensors of `source`, as stored, in a new file: an IO file that kept fewer tensors.
    func keeping(_ names: [String], of source: String) throws -> String {
        let file = try SafeTensorsFile(path: Fixtures.path(source)), path = Fixtures.temporaryDirectory() + "/kept.safetensors"
        try SafeTensors.write(try names.map { ($0, try file.tensor($0)) }, to: path)
        return path
    }

    /// The call StableVideoDiffusionPipeline's loop makes (one 0-dim timestep for a guidance pair), and
    /// a one-element timestep for a batch of two.
    func testVerifyModelTakesTheUNetCallAsThePipelineMakesIt() throws {
        let model = try diffusersModel("unet")
        for (io, timestepShape) in [("unet/unet_pipeline_call_io.safetensors", [Int]()), ("unet/unet_one_timestep_io.safetensors", [1])] {
            XCTAssertEqual(try SafeTensorsFile(path: Fixtures.path(io)).entries["timestep"]?.shape, timestepShape, "as diffusers was called")
            let json = try verification(model, Fixtures.path(io))
            XCTAssertLessThan(maxDifference(json), 1e-4, io)
            XCTAssertEqual(json["outputs"] as? Int, 2 * 4 * 4 * 8 * 8, io)
            XCTAssertEqual(compared(json), ["out"], io)
        }
    }

    /// decode(z, num_frames) with z [B*F, C, h, w] = [8, 4, 4, 4] and no frame count stored: the count is
    /// the one whose decoding matches (4 of 1, 2, 4, 8), or the pipeline's unet/config.json's when the
    /// VAE sits in a pipeline folder.
    func testVerifyModelTakesTemporalVAELatentsAsDecodeDoes() throws {
        let io = Fixtures.path("vae/temporal_vae_calls_io.safetensors")
        XCTAssertEqual(try SafeTensorsFile(path: io).entries["z"]?.shape, [8, 4, 4, 4])
        let alone = try verification(try diffusersModel("vae"), io)
        XCTAssertLessThan(maxDifference(alone), 1e-4)
        XCTAssertEqual(compared(alone), ["mean", "sample"])
        XCTAssertTrue(notes(alone).contains("num_frames 4 (not given: of the counts dividing the 8 latents"), notes(alone))
        XCTAssertTrue(notes(alone).contains("logvar: not stored, not compared"), notes(alone))

        let pipeline = Fixtures.temporaryDirectory(), vae = try diffusersModel("vae", in: pipeline + "/vae")
        try FileManager.default.createDirectory(atPath: pipeline + "/unet", withIntermediateDirectories: true)
        func unetConfig(frames: Int) throws {
            var config = try JSONSerialization.jsonObject(with: try contents(Fixtures.path("unet/unet_config/config.json"))) as! [String: Any]
            config["num_frames"] = frames
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: pipeline + "/unet/config.json"))
        }
        try unetConfig(frames: 4)
        let configured = try verification(vae, io)
        XCTAssertLessThan(maxDifference(configured), 1e-4)
        XCTAssertTrue(notes(configured).contains("num_frames 4 (") && notes(configured).contains("/unet/config.json's num_frames)"), notes(configured))
        // The config is taken at its word: one video of 8 frames decodes to other images.
        try unetConfig(frames: 8)
        XCTAssertGreaterThan(maxDifference(try verification(vae, io)), 0.1)

        let text = try orbit(["verify-model", "--model", vae, "--io", io])
        XCTAssertTrue(text.stdout.contains("(mean ") && text.stdout.contains("note: num_frames 8"), text.stdout)
    }

    func testVerifyModelComparesTheOutputsStoredAndFailsOnlyWithoutAny() throws {
        let vae = try diffusersModel("vae"), calls = "vae/temporal_vae_calls_io.safetensors"
        let decodeOnly = try verification(vae, try keeping(["z", "sample"], of: calls))
        XCTAssertEqual(compared(decodeOnly), ["sample"])
        XCTAssertLessThan(maxDifference(decodeOnly), 1e-4)
        let meanOnly = try verification(vae, try keeping(["x", "mean", "z"], of: calls))
        XCTAssertEqual(compared(meanOnly), ["mean"])
        XCTAssertTrue(notes(meanOnly).contains("sample or decoded: not stored, not compared"), notes(meanOnly))
        let noImage = try verification(vae, try keeping(["mean", "z", "sample"], of: calls))
        XCTAssertEqual(compared(noImage), ["sample"])
        XCTAssertTrue(notes(noImage).contains("mean: not compared (encode needs x or image, not stored)"), notes(noImage))

        let inputsOnly = try orbit(["verify-model", "--model", vae, "--io", try keeping(["x", "z"], of: calls)])
        XCTAssertNotEqual(inputsOnly.status, 0)
        XCTAssertTrue(inputsOnly.stderr.contains("kept.safetensors: nothing to compare: mean: not stored"), inputsOnly.stderr)
        XCTAssertEqual(inputsOnly.stdout, "")
        let unetInputs = try orbit(["verify-model", "--model", try diffusersModel("unet"), "--io",
                                    try keeping(["sample", "timestep", "encoder_hidden_states", "added_time_ids"], of: "unet/unet_pipeline_call_io.safetensors")])
        XCTAssertNotEqual(unetInputs.status, 0)
        XCTAssertTrue(unetInputs.stderr.contains("nothing to compare: out or noise_pred: not stored"), unetInputs.stderr)
    }
}

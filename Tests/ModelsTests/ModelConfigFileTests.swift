import Foundation
import Models
import TestSupport
import XCTest

/// Zero, negative and non-dividing sizes in a diffusers or transformers config.json are named errors
/// (they divided by zero or built negative ranges while the model was built, or trapped in its first
/// forward pass).
final class ModelConfigFileTests: XCTestCase {
    /// The fixture config `name` with `key` set to `value`, written to a temporary config.json.
    func crafted(_ name: String, _ key: String, _ value: Any) throws -> String {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name)))) as! [String: Any]
        object[key] = value
        let path = Fixtures.temporaryDirectory() + "/config.json"
        try ModelConfigFile.write(object, to: path)
        return path
    }

    /// Each (key, value, problem): the fixture `name` with key = value is refused by `read`, saying problem.
    func assertRefused(_ read: (String) throws -> Void, _ name: String, _ cases: [(String, Any, String)],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertNoThrow(try read(Fixtures.path(name)), "the fixture itself", file: file, line: line)
        for (key, value, problem) in cases {
            XCTAssertThrowsError(try read(try crafted(name, key, value)), file: file, line: line) {
                XCTAssertTrue("\($0)".contains("config.json: " + problem), "\($0) (want \(problem))", file: file, line: line)
            }
        }
    }

    func testUNetSizes() throws {
        let unet = "unet/unet_config/config.json", read = { (path: String) in _ = try UNetSpatioTemporalConfig(diffusersConfigAt: path) }
        try assertRefused(read, unet, [
            ("num_attention_heads", 0, "num_attention_heads must be at least 1, got [0, 0]"),
            ("num_attention_heads", [1, 0], "num_attention_heads must be at least 1, got [1, 0]"),
            ("num_attention_heads", [1, 3], "num_attention_heads 3 does not divide block_out_channels 64"),
            ("layers_per_block", 0, "layers_per_block must be at least 1, got 0"),
            ("layers_per_block", -1, "layers_per_block must be at least 1, got -1"),
            ("transformer_layers_per_block", -2, "transformer_layers_per_block must be at least 1, got -2"),
            ("block_out_channels", [0, 64], "block_out_channels must be at least 1, got [0, 64]"),
            ("block_out_channels", [48, 64], "the group norms' group count 32 does not divide block_out_channels 48"),
            ("cross_attention_dim", 0, "cross_attention_dim must be at least 1, got 0"),
            ("in_channels", -8, "in_channels must be at least 1, got -8"),
        ])
    }

    func testVAESizes() throws {
        let vae = "vae/tiny_temporal_vae_config/config.json", read = { (path: String) in _ = try VAEEncoder.Config(diffusersConfigAt: path) }
        try assertRefused(read, vae, [
            ("norm_num_groups", 0, "norm_num_groups must be at least 1, got 0"),
            ("norm_num_groups", 7, "norm_num_groups 7 does not divide block_out_channels 32"),
            ("latent_channels", 0, "latent_channels must be at least 1, got 0"),
            ("layers_per_block", -1, "layers_per_block must be at least 1, got -1"),
            ("scaling_factor", 0.0, "scaling_factor must be a positive number, got 0.0"),
        ])
    }

    func testCLIPSizes() throws {
        let clip = "clip/tiny_clip_gelu_config/config.json", read = { (path: String) in _ = try CLIPVision.Config(transformersConfigAt: path) }
        try assertRefused(read, clip, [
            ("patch_size", 0, "patch_size must be at least 1, got 0"),
            ("patch_size", 5, "patch_size 5 does not divide image_size 32"),
            ("num_attention_heads", 0, "num_attention_heads must be at least 1, got 0"),
            ("num_attention_heads", 3, "num_attention_heads 3 does not divide hidden_size 32"),
            ("num_hidden_layers", 0, "num_hidden_layers must be at least 1, got 0"),
            ("layer_norm_eps", -1.0, "layer_norm_eps must be a positive number, got -1.0"),
        ])
    }
}

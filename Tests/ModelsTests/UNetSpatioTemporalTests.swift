import Foundation
import Models
import NN
import Tensor
import TestSupport
import XCTest

/// The assembled SVD UNet against diffusers 0.42.1 (Tools/golden/make_unet_fixtures.py): a tiny
/// two-level configuration read from diffusers' own parameter names, F16 weights.
final class UNetSpatioTemporalTests: XCTestCase {
    static func tiny(addedTimeIdWidths: [Int] = [8, 8, 8]) -> UNetSpatioTemporalConfig {
        var c = UNetSpatioTemporalConfig()
        c.blockChannels = [32, 64]
        c.heads = [1, 2]
        c.layersPerBlock = 1
        c.contextDim = 24
        c.addedTimeIdWidths = addedTimeIdWidths
        return c
    }

    static func load(_ config: UNetSpatioTemporalConfig) throws -> UNetSpatioTemporal {
        try WeightLoader.load(path: Fixtures.path("unet/unet.safetensors")) { try UNetSpatioTemporal($0, config: config) }
    }

    /// Runs the fixture case whose tensors are named `prefix` + sample/timestep/encoder_hidden_states/ids/out.
    func assertFixtureCase(_ unet: UNetSpatioTemporal, prefix: String, idsKey: String, _ message: String) throws {
        let io = try Fixtures.file("unet/unet_io.safetensors")
        let out = noGrad {
            unet(try! io.tensor(prefix + "sample"), timestep: try! io.tensor(prefix + "timestep"),
                 context: try! io.tensor(prefix + "encoder_hidden_states"), addedTimeIds: try! io.tensor(prefix + idsKey))
        }
        assertClose(out, try io.tensor(prefix + "out"), rtol: 1e-4, message)
    }

    /// Batch 2 (a guidance pair, the second context zeroed), 2 context tokens, the same ids on every frame.
    /// The model built from diffusers' own config.json.
    func testStockCallMatchesDiffusers() throws {
        let config = try UNetSpatioTemporalConfig(diffusersConfigAt: Fixtures.path("unet/unet_config/config.json"))
        XCTAssertEqual(config.blockChannels, Self.tiny().blockChannels)
        XCTAssertEqual(config.heads, Self.tiny().heads)
        XCTAssertEqual(config.addedTimeIdWidths, [8, 8, 8])
        try assertFixtureCase(try Self.load(config), prefix: "", idsKey: "added_time_ids", "UNetSpatioTemporalConditionModel")
    }

    func testConfigsItCannotRunAreRejectedNamingTheFile() throws {
        let path = Fixtures.temporaryDirectory() + "/config.json"
        for (json, problem) in [("{\"_class_name\": \"UNet2DConditionModel\"}", "not a UNetSpatioTemporalConditionModel"),
                                ("{\"layers_per_block\": [1, 2, 2, 2]}", "layers_per_block must be the same"),
                                ("{\"down_block_types\": [\"DownBlockSpatioTemporal\"]}", "down_block_types must be"),
                                ("[1]", "not a JSON object")] {
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try UNetSpatioTemporalConfig(diffusersConfigAt: path)) {
                XCTAssertTrue("\($0)".hasPrefix(path) && "\($0)".contains(problem), "\($0)")
            }
        }
    }

    /// SV3D's camera path: each frame its own (cond_aug, polar, azimuth), sinusoid widths 4, 10, 10.
    func testPerFrameCameraMatchesTheReferenceForward() throws {
        try assertFixtureCase(try Self.load(Self.tiny(addedTimeIdWidths: [4, 10, 10])), prefix: "pf_",
                              idsKey: "added_time_ids_per_frame", "UNet with per-frame cameras")
    }

    func testInputProblemsAreNamed() throws {
        let unet = try Self.load(Self.tiny())
        let io = try Fixtures.file("unet/unet_io.safetensors")
        let (sample, t, ctx, ids) = (try io.tensor("sample"), try io.tensor("timestep"), try io.tensor("encoder_hidden_states"),
                                     try io.tensor("added_time_ids"))
        XCTAssertNil(unet.inputProblem(sample: sample, timestep: t, context: ctx, addedTimeIds: ids))
        let odd = Tensor(zeros: [2, 8, 8, 7, 8])
        XCTAssertTrue(unet.inputProblem(sample: odd, timestep: t, context: ctx, addedTimeIds: ids)?.contains("multiples of 2") == true)
        XCTAssertNotNil(unet.inputProblem(sample: sample, timestep: t, context: ctx, addedTimeIds: Tensor(zeros: [2, 4])))
        XCTAssertNotNil(unet.inputProblem(sample: Tensor(zeros: [2, 8, 8, 8]), timestep: t, context: ctx, addedTimeIds: ids))
    }

    /// Per-frame ids that are the same on every frame reproduce the stock [B, ids] call.
    func testRepeatedPerFrameIdsEqualTheStockCall() throws {
        let unet = try Self.load(Self.tiny())
        let io = try Fixtures.file("unet/unet_io.safetensors")
        let (sample, t, ctx, ids) = (try io.tensor("sample"), try io.tensor("timestep"), try io.tensor("encoder_hidden_states"),
                                     try io.tensor("added_time_ids"))
        let perFrame = ids.reshaped([2, 1, 3]).expanded(to: [2, 8, 3]).contiguous()
        noGrad {
            assertClose(unet(sample, timestep: t, context: ctx, addedTimeIds: perFrame),
                        unet(sample, timestep: t, context: ctx, addedTimeIds: ids), rtol: 1e-6, "per-frame vs stock")
        }
    }

    /// Explicit frame positions (Orbit's view indices): arange equals diffusers' own call (the
    /// fixture), and other positions change the output of every frame (the temporal layers read them).
    func testExplicitFramePositionsReplaceTheArange() throws {
        var config = Self.tiny()
        config.explicitFramePositions = true
        let unet = try Self.load(config)
        let io = try Fixtures.file("unet/unet_io.safetensors")
        let (sample, t, ctx, ids) = (try io.tensor("sample"), try io.tensor("timestep"), try io.tensor("encoder_hidden_states"),
                                     try io.tensor("added_time_ids"))
        let arange = Tensor((0..<16).map { Float($0 % 8) }, shape: [2, 8])
        let shifted = Tensor((0..<16).map { Float($0 % 8 * 11 + 3) }, shape: [2, 8])
        noGrad {
            let stock = unet(sample, timestep: t, context: ctx, addedTimeIds: ids, framePositions: arange)
            assertClose(stock, try! io.tensor("out"), rtol: 1e-4, "arange positions vs diffusers")
            let moved = unet(sample, timestep: t, context: ctx, addedTimeIds: ids, framePositions: shifted)
            for frame in 0..<8 {
                XCTAssertGreaterThan(maxAbsDiff(moved.slice(axis: 1, frame..<(frame + 1)), stock.slice(axis: 1, frame..<(frame + 1))),
                                     1e-4, "frame \(frame)")
            }
        }
    }

    /// Backward through the whole UNet (what training it needs) against finite differences: the noisy
    /// sample, the context, the camera MLP, a temporal mix factor and an up-level convolution.
    func testGradientsMatchFiniteDifferences() throws {
        let unet = try Self.load(Self.tiny())
        let named = Dictionary(uniqueKeysWithValues: unet.namedParameters)
        let probed = ["add_embedding.linear_1.weight", "up_blocks.1.resnets.0.time_mixer.mix_factor",
                      "up_blocks.0.upsamplers.0.conv.weight"].map { key -> Tensor in
            guard let t = named[key] else { fatalError("no parameter \(key)") }
            return t
        }
        let sample = param([1, 2, 8, 4, 4], seed: 5), context = param([1, 2, 24], seed: 6)
        let ids = Tensor([0.02, 1.2, 0.5, 0.02, 1.4, 2.0], shape: [1, 2, 3])
        checkGradients([sample, context] + probed, "UNet", eps: 1e-2, samples: 8) { inputs in
            unet(inputs[0], timestep: Tensor([0.3], shape: [1]), context: inputs[1], addedTimeIds: ids)
        }
        for t in [sample, context] + probed {
            XCTAssertGreaterThan(t.grad?.toArray().map { abs($0) }.max() ?? 0, 0, "every probed input gets a gradient")
        }
    }

    /// The full SVD configuration and the small default have exactly diffusers' parameters: count,
    /// tensor count and a digest of every (name, shape) (Tools/golden/make_unet_sizes.py, meta device),
    /// built here without allocating their values.
    func testConfigurationsHaveDiffusersParameters() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("unet/parameter_counts.json")))
        let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        for (name, config) in [("svd", UNetSpatioTemporalConfig.svd), ("small", .small)] {
            let recorder = ParameterShapeRecorder()
            _ = try UNetSpatioTemporal(WeightScope(recorder), config: config)
            let expected = try XCTUnwrap(reference[name])
            XCTAssertEqual(recorder.parameterCount, expected["parameters"] as? Int, name)
            XCTAssertEqual(recorder.shapes.count, expected["tensors"] as? Int, name)
            let lines = recorder.shapes.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value.map(String.init).joined(separator: ","))" }.joined(separator: "\n")
            XCTAssertEqual(String(format: "%016llx", FNV1a.hash(lines)), expected["shapes_fnv1a64"] as? String, "\(name): names and shapes")
        }
    }
}

import Foundation
import Tensor
import TestSupport
import XCTest

/// `orbit verify-model` never reports a difference it could not measure: NaN or infinite values in
/// the stored outputs, the inputs or the weights are an error naming the file and the tensor.
extension OrbitCLITests {
    /// `source`'s tensors with `name` replaced by `value` everywhere, written to `path`.
    func copy(_ source: String, to path: String, replacing name: String, with value: Float) throws {
        let file = try SafeTensorsFile(path: source)
        let tensors = try file.names.map { key -> (String, Tensor) in
            let t = try file.tensor(key)
            return (key, key == name ? Tensor(filling: value, shape: t.shape) : t)
        }
        try SafeTensors.write(tensors, to: path)
    }

    func testVerifyModelRefusesNaNAndInfinityInsteadOfReportingZero() throws {
        let dir = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.path("unet/unet_config/config.json"), toPath: dir + "/config.json")
        let weights = dir + "/diffusion_pytorch_model.safetensors"
        try FileManager.default.copyItem(atPath: Fixtures.path("unet/unet.safetensors"), toPath: weights)
        let io = Fixtures.path("unet/unet_io.safetensors")
        for (name, value) in [("out", Float.nan), ("out", Float.infinity), ("sample", Float.nan)] {
            let bad = dir + "/bad_io.safetensors"
            try copy(io, to: bad, replacing: name, with: value)
            let run = try orbit(["verify-model", "--model", dir, "--io", bad])
            XCTAssertNotEqual(run.status, 0, "\(name) = \(value): \(run.stdout)")
            XCTAssertTrue(run.stderr.contains("bad_io.safetensors: '\(name)' holds"), run.stderr)
            XCTAssertEqual(run.stdout, "", "no partial report")
        }
        try copy(Fixtures.path("unet/unet.safetensors"), to: weights, replacing: "conv_in.weight", with: .nan)
        let run = try orbit(["verify-model", "--model", dir, "--io", io, "--json"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("diffusion_pytorch_model.safetensors: weight 'conv_in.weight' holds"), run.stderr)
        XCTAssertEqual(run.stdout, "")
    }

    /// An IO `sample` with 0 frames trapped inside the UNet; it is an error naming the file.
    func testVerifyModelRefusesEmptyInputs() throws {
        let dir = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.path("unet/unet_config/config.json"), toPath: dir + "/config.json")
        try FileManager.default.copyItem(atPath: Fixtures.path("unet/unet.safetensors"), toPath: dir + "/diffusion_pytorch_model.safetensors")
        let io = try SafeTensorsFile(path: Fixtures.path("unet/unet_io.safetensors"))
        let tensors = try ["timestep", "encoder_hidden_states", "added_time_ids"].map { ($0, try io.tensor($0)) }
            + [("sample", Tensor(zeros: [2, 0, 8, 8, 8])), ("out", Tensor(zeros: [2, 0, 4, 8, 8]))]
        try SafeTensors.write(tensors, to: dir + "/empty.safetensors")
        let run = try orbit(["verify-model", "--model", dir, "--io", dir + "/empty.safetensors"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("empty.safetensors: empty input: sample [2, 0, 8, 8, 8]"), run.stderr)
    }
}

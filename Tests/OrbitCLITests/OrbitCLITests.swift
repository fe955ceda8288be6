import Foundation
import Imaging
import Tensor
import TestSupport
import XCTest

/// The `orbit` executable end to end on small inputs (built next to the tests by `swift build
/// --build-tests`, as Tools/test.sh does).
final class OrbitCLITests: XCTestCase {
    struct Run { let status: Int32; let stdout: String; let stderr: String }

    func orbit(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        try run(tool: "orbit", arguments, environment: environment)
    }

    /// Runs a built executable of the package (`orbit`, `splat`) and collects its exit status and output.
    func run(tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/release/\(tool)")
        guard FileManager.default.fileExists(atPath: binary.path) else {
            throw XCTSkip("\(binary.path) not built (run `swift build -c release --build-tests`)")
        }
        // Ten minutes is many times the slowest command here (the reconstruct runs take about 20 s).
        let result = try ChildProcess.run(binary.path, arguments, environment: environment, timeout: 600)
        return Run(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    func testFaceFindsTheAstronautAndWritesItsCrops() throws {
        let dir = Fixtures.temporaryDirectory()
        let run = try orbit(["face", Fixtures.path("yunet/astronaut.png"), "--out", dir, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let faces = json["faces"] as! [[String: Any]]
        XCTAssertEqual(faces.count, 1)
        let box = (faces[0]["box"] as! [NSNumber]).map(\.floatValue)
        let opencv = try Fixtures.file("yunet/detections.safetensors").tensor("astronaut").toArray()
        for k in 0..<4 { XCTAssertEqual(box[k], opencv[k], accuracy: 1) }
        let aligned = try ImageIO.read(dir + "/astronaut_aligned.png")
        XCTAssertEqual([aligned.width, aligned.height], [112, 112])
        XCTAssertEqual(try ImageIO.read(dir + "/astronaut_annotated.png").width, 256)
    }

    func testFaceWithoutAFaceFailsClearlyAndWritesNothing() throws {
        let dir = Fixtures.temporaryDirectory()
        let run = try orbit(["face", Fixtures.path("yunet/coffee.png"), "--out", dir])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("coffee.png: no face found"), run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testCompareReportsEveryMetric() throws {
        let path = Fixtures.path("yunet/astronaut.png")
        let same = try orbit(["compare", path, path, "--json"])
        XCTAssertEqual(same.status, 0, same.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(Set(json.keys), ["psnr", "ssim", "lpips_alex", "lpips_vgg", "id"])
        XCTAssertEqual((json["ssim"] as! NSNumber).doubleValue, 1, accuracy: 1e-6)
        XCTAssertEqual((json["lpips_alex"] as! NSNumber).doubleValue, 0, accuracy: 1e-6)
        XCTAssertEqual((json["id"] as! NSNumber).doubleValue, 1, accuracy: 1e-5)
        let mismatch = try orbit(["compare", path, Fixtures.path("yunet/coffee.png")])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("sizes must match"), mismatch.stderr)
    }

    /// A diffusers model directory (diffusers' config.json and F16 weights, copied from the fixtures)
    /// checked with `verify-model --json`: (max-abs difference, number of outputs compared).
    func verifyModel(config: String, weights: String, io: String,
                     weightsName: String = "diffusion_pytorch_model.safetensors") throws -> (diff: Double, outputs: Int) {
        let dir = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.path(config), toPath: dir + "/config.json")
        try FileManager.default.copyItem(atPath: Fixtures.path(weights), toPath: dir + "/" + weightsName)
        let run = try orbit(["verify-model", "--model", dir, "--io", Fixtures.path(io), "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        return ((json["max_abs_diff"] as! NSNumber).doubleValue, (json["outputs"] as! NSNumber).intValue)
    }

    func testVerifyModelMatchesTheStoredDiffusersOutputs() throws {
        let unet = try verifyModel(config: "unet/unet_config/config.json", weights: "unet/unet.safetensors", io: "unet/unet_io.safetensors")
        XCTAssertLessThan(unet.diff, 1e-4)
        XCTAssertEqual(unet.outputs, 2 * 8 * 4 * 8 * 8)
        let vae = try verifyModel(config: "vae/tiny_temporal_vae_config/config.json", weights: "vae/tiny_temporal_vae.safetensors",
                                  io: "vae/tiny_temporal_vae_io.safetensors")
        XCTAssertLessThan(vae.diff, 1e-4)
        XCTAssertEqual(vae.outputs, 4 * 8 * 8 + 8 * 3 * 8 * 8, "the encoder mean and the decoded frames")
        let clip = try verifyModel(config: "clip/tiny_clip_gelu_config/config.json", weights: "clip/tiny_clip_gelu.safetensors",
                                   io: "clip/tiny_clip_gelu_io.safetensors", weightsName: "model.safetensors")
        XCTAssertLessThan(clip.diff, 1e-4)
        XCTAssertEqual(clip.outputs, 2 * 16)

        let dir = Fixtures.temporaryDirectory()

        let missing = try orbit(["verify-model", "--model", dir + "/nowhere", "--io", Fixtures.path("unet/unet_io.safetensors")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nowhere/config.json: no such file"), missing.stderr)
    }
}

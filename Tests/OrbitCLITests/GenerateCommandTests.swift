import Foundation
import Imaging
import TestSupport
import XCTest

/// `orbit init-model` and `orbit generate` end to end with the test-sized generator.
extension OrbitCLITests {
    func tinyModel() throws -> String {
        let dir = Fixtures.temporaryDirectory() + "/tiny"
        let run = try orbit(["init-model", "--config", "tiny", "--out", dir, "--seed", "4"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("tiny generator"), run.stdout)
        return dir
    }

    func generate(_ model: String, out: String, _ extra: [String] = []) throws -> Run {
        try orbit(["generate", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", out, "--steps", "3",
                   "--elevation", "10", "--views", "5", "--decode-chunk", "2"] + extra)
    }

    /// A ring of views in the DESIGN.md views-folder layout: RGBA PNGs of the model's resolution and a
    /// transforms.json whose frames carry each view's camera; nothing left in OUT.partial.
    func testGenerateWritesAViewsFolder() throws {
        let model = try tinyModel()
        let out = Fixtures.temporaryDirectory() + "/views"
        let run = try generate(model, out: out)
        XCTAssertEqual(run.status, 0, run.stderr)
        let transforms = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/transforms.json")))
            as! [String: Any]
        let frames = transforms["frames"] as! [[String: Any]]
        XCTAssertEqual(frames.map { $0["azimuth_deg"] as! Double }, [0, 72, 144, 216, 288])
        XCTAssertEqual(Set(frames.map { $0["elevation_deg"] as! Double }), [10])
        XCTAssertEqual(transforms["w"] as? Int, 32)
        for frame in frames {
            let image = try ImageIO.read(out + "/" + (frame["file_path"] as! String))
            XCTAssertEqual([image.width, image.height, image.channels], [32, 32, 4])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors"))

        let again = try generate(model, out: out)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("\(out): already exists"), again.stderr)
    }

    /// Stopped after step 1 (as an interrupted run leaves it), the job resumes from its checkpoint and
    /// writes exactly the views of an uninterrupted run.
    func testGenerateResumesFromItsCheckpoint() throws {
        let model = try tinyModel()
        let root = Fixtures.temporaryDirectory()
        let whole = try generate(model, out: root + "/whole")
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let stopped = try generate(model, out: root + "/resumed", ["--stop-after", "1"])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(stopped.stdout.contains("stopped after step 1"), stopped.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/resumed"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/resumed.partial/checkpoint.safetensors"))
        let resumed = try generate(model, out: root + "/resumed")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming from"), resumed.stdout)
        for i in 0..<5 {
            let name = String(format: "/%03d.png", i)
            XCTAssertEqual(try ImageIO.read(root + "/resumed" + name), try ImageIO.read(root + "/whole" + name), name)
        }
    }

    /// Without --model, generate finds the committed default (Weights/orbit-small) and says which weights it used.
    func testGenerateUsesTheCommittedDefaultModel() throws {
        let root = Fixtures.temporaryDirectory()
        let run = try orbit(["generate", Fixtures.path("generator/subject_0005_view_016.png"), "--out", root + "/views",
                             "--elevation", "0", "--views", "4", "--steps", "3", "--sampler", "dpm++2m"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("orbit train generator"), run.stdout)
        XCTAssertEqual(try ImageIO.read(root + "/views/003.png").width, 128)
    }

    func testGenerateRejectsBadInputNamingTheFile() throws {
        let model = try tinyModel()
        let root = Fixtures.temporaryDirectory()
        let missing = try orbit(["generate", root + "/nope.jpg", "--model", model, "--out", root + "/a"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope.jpg"), missing.stderr)
        let truncated = model + "/unet/diffusion_pytorch_model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: truncated))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        let broken = try generate(model, out: root + "/b")
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains(truncated), broken.stderr)
        let noModel = try orbit(["generate", Fixtures.path("yunet/astronaut.png"), "--out", root + "/c"],
                                environment: ["ORBIT_GENERATOR": root + "/no-such-model"])
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.stderr.contains(root + "/no-such-model"), noModel.stderr)
        for name in ["a", "b", "c", "a.partial", "b.partial", "c.partial"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/" + name), name)
        }
    }

    /// Face networks that are not installed are a note (the portrait is framed without them); a
    /// face-model file that is there but corrupt is an error naming it, and nothing is written.
    func testACorruptFaceModelIsAnErrorNotAMissingOne() throws {
        let model = try tinyModel()
        let root = Fixtures.temporaryDirectory(), weights = root + "/weights"
        try FileManager.default.createDirectory(atPath: weights, withIntermediateDirectories: true)
        let none = try orbit(["generate", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", root + "/b", "--steps", "3",
                              "--elevation", "10", "--views", "5", "--stop-after", "1"], environment: ["ORBIT_WEIGHTS": weights])
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertTrue(none.stdout.contains("face networks not installed"), none.stdout)
        let corrupt = weights + "/yunet.safetensors"
        try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: corrupt))
        let broken = try orbit(["generate", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", root + "/c", "--steps", "3",
                                "--elevation", "10", "--views", "5"], environment: ["ORBIT_WEIGHTS": weights])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.hasPrefix("Error: " + corrupt), broken.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/c"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/c.partial"))
    }
}

import Foundation
import Imaging
import TestSupport
import XCTest

/// `orbit reconstruct` end to end with the tiny random generator (noise, but every stage's real
/// files) and the committed head model: the output folder, its report, interruption and resume,
/// and refused settings.
extension OrbitCLITests {
    func reconstruct(_ model: String, out: String, _ extra: [String] = []) throws -> Run {
        try orbit(["reconstruct", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", out, "--quality", "fast",
                   "--steps", "2", "--mesh-resolution", "24"] + extra)
    }

    func testReconstructWritesEveryStageAndAReport() throws {
        let model = try tinyModel(), out = Fixtures.temporaryDirectory() + "/head"
        let run = try reconstruct(model, out: out, ["--splat-iterations", "40"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        XCTAssertTrue(files.isSuperset(of: ["views", "splats.ply", "splats.splat", "turntable.gif", "index.html", "report.json"]), "\(files)")
        XCTAssertFalse(files.contains("reconstruct.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out + "/views").filter { $0.hasSuffix(".png") && $0 != "input.png" }.count, 96)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        let seconds = report["seconds"] as! [String: Double]
        XCTAssertEqual(Set(seconds.keys).union((report["skipped"] as? [String: String])?.keys ?? [:].keys),
                       ["views", "splats", "mesh", "turntable", "viewer"])
        let splats = report["splats"] as! [String: Double]
        XCTAssertEqual(splats["held_out_views"], 12)
        XCTAssertNotNil(splats["held_out_psnr"])
        let settings = report["settings"] as! [String: Any]
        XCTAssertEqual(settings["quality"] as? String, "fast")
        XCTAssertEqual(settings["splatIterations"] as? Int, 40)
        if files.contains("mesh.ply") { XCTAssertEqual((report["mesh"] as! [String: Double])["watertight"], 1) }
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        XCTAssertTrue(page.contains("<canvas"))

        let again = try reconstruct(model, out: out, ["--splat-iterations", "40"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("head: already exists"), again.stderr)
    }

    /// Ctrl-C during the splat fit leaves OUT.partial; other settings are refused by name; the same
    /// command finishes without redoing the views, continuing the fit from its checkpoint.
    func testReconstructResumesAfterAnInterruptAndRefusesOtherSettings() throws {
        let model = try tinyModel(), out = Fixtures.temporaryDirectory() + "/head"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = try ChildProcess(root.appendingPathComponent(".build/release/orbit").path,
                                       ["reconstruct", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", out, "--quality", "fast",
                                        "--steps", "2", "--mesh-resolution", "24", "--splat-iterations", "400"])
        let state = out + ".partial/reconstruct.json", deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !((try? String(contentsOfFile: state, encoding: .utf8))?.contains("\"views\"") ?? false) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.5)  // into the splat fit
        process.interrupt()
        XCTAssertEqual(try process.wait(timeout: 120).status, 130)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".partial/splats.ply.checkpoint.safetensors"))

        let other = try reconstruct(model, out: out, ["--splat-iterations", "400", "--seed", "3"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("other settings (seed)"), other.stderr)

        let resumed = try reconstruct(model, out: out, ["--splat-iterations", "400"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("views: done in an earlier run"), resumed.stdout)
        XCTAssertTrue(resumed.stdout.contains("resuming the splat fit at iteration"), resumed.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/index.html"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
    }
}

extension OrbitCLITests {
    /// kill -9, once early and once after the splat fit's first checkpoint: no handler runs, yet the
    /// same command then finishes from what was on disk (the views kept, the fit continued from
    /// iteration 500), and the output folder appears only whole.
    func testReconstructResumesAfterKillNine() throws {
        let model = try tinyModel(), out = Fixtures.temporaryDirectory() + "/head"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let arguments = ["reconstruct", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", out, "--quality", "fast",
                         "--steps", "2", "--mesh-resolution", "24", "--splat-iterations", "600"]
        func start() throws -> ChildProcess { try ChildProcess(root.appendingPathComponent(".build/release/orbit").path, arguments) }
        func waitFor(_ path: String) {
            let deadline = Date().addingTimeInterval(180)
            while Date() < deadline, !FileManager.default.fileExists(atPath: path) { Thread.sleep(forTimeInterval: 0.02) }
        }

        let early = try start()
        waitFor(out + ".partial/reconstruct.json")
        kill(early.pid, SIGKILL)
        XCTAssertEqual(try early.wait(timeout: 60).status, 128 + SIGKILL)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let later = try start()
        waitFor(out + ".partial/splats.ply.checkpoint.safetensors")
        kill(later.pid, SIGKILL)
        XCTAssertEqual(try later.wait(timeout: 60).status, 128 + SIGKILL)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let resumed = try start().wait(timeout: 600)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("views: done in an earlier run"), resumed.stdout)
        XCTAssertTrue(resumed.stdout.contains("resuming the splat fit at iteration 500"), resumed.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
    }
}

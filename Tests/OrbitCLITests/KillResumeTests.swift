import Foundation
import Tensor
import TestSupport
import XCTest

/// kill -9 at a few moments of the commands that resume (no handler runs: what is on disk is all a
/// later run has), then the same command again: it finishes from its last checkpoint, its result has
/// the bytes of an uninterrupted run (each of these commands promises that), the output exists only
/// when complete, and no temporary file or staging folder is left.
extension OrbitCLITests {
    /// `orbit synth` of two subjects at 32 px, made once per test process (the synth test makes it and
    /// checks it; the training tests train on it).
    nonisolated(unsafe) static var synthData: String?

    func executable(_ tool: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent(".build/release/\(tool)").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) not built (run `swift build -c release --build-tests`)") }
        return path
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Starts `tool arguments`, waits until `moment()` holds, `delay` seconds more, and kills it with
    /// SIGKILL; fails when it ended on its own first.
    func killNine(_ tool: String, _ arguments: [String], at moment: () -> Bool, after delay: TimeInterval = 0,
                  file: StaticString = #filePath, line: UInt = #line) throws {
        let process = try ChildProcess(try executable(tool), arguments)
        let deadline = Date().addingTimeInterval(300)
        while !moment() && Date() < deadline && running(process.pid) { usleep(2000) }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        kill(process.pid, SIGKILL)
        let result = try process.wait(timeout: 60)
        XCTAssertEqual(result.status, 128 + SIGKILL, "killed before it ended: \(arguments)\n\(result.stderr.suffix(2000))", file: file, line: line)
    }

    /// Whether the process runs (has not ended; an ended child stays a zombie until it is waited for).
    func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }

    /// Every file under `folder` by relative path.
    func files(under folder: String) throws -> [String: Data] {
        let base = URL(fileURLWithPath: folder).standardizedFileURL.path
        var found: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: base) ?? NSEnumerator() {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isFolder), !isFolder.boolValue {
                found[path] = try Data(contentsOf: URL(fileURLWithPath: base + "/" + path))
            }
        }
        return found
    }

    /// The named files (all files when `only` is nil) of `resumed` have the bytes of `whole`'s.
    func assertSameBytes(_ resumed: String, _ whole: String, only: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try files(under: resumed), b = try files(under: whole)
        let names = only ?? b.keys.sorted()
        if only == nil { XCTAssertEqual(a.keys.sorted(), names, "the same files", file: file, line: line) }
        for name in names {
            XCTAssertNotNil(b[name], "\(whole)/\(name) exists", file: file, line: line)
            XCTAssertTrue(a[name] == b[name], "\(name): the resumed run's bytes differ from the uninterrupted run's", file: file, line: line)
        }
    }

    /// Temporaries (`.NAME.tmp-PID`) and staging folders (`NAME.partial...`) under `folder` and beside it.
    func leftovers(_ folder: String) -> [String] {
        let inside = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter {
            $0.contains(".tmp-") || $0.contains(".partial")
        }
        let parent = URL(fileURLWithPath: folder).deletingLastPathComponent().path, name = (folder as NSString).lastPathComponent
        let beside = (try? FileManager.default.contentsOfDirectory(atPath: parent))?.filter { $0.hasPrefix(name + ".") } ?? []
        return inside + beside
    }

    /// Steps done by `orbit generate`'s checkpoint (0 when there is none yet).
    func stepsDone(_ checkpoint: String) -> Int {
        (try? SafeTensorsFile(path: checkpoint))?.metadata["steps_done"].flatMap(Int.init) ?? 0
    }

    /// The file's inode: a checkpoint replaced by a rename has a new one.
    func inode(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? Int }

    func testSplatFitResumesBitExactlyAfterKillNine() throws {
        let root = Fixtures.temporaryDirectory(), views = root + "/views"
        XCTAssertEqual(try generate(try tinyModel(), out: views).status, 0)
        let fit = ["fit", views, "--iterations", "1200", "--gaussians", "300", "--max-gaussians", "600", "--test-every", "5", "--checkpoint-every", "50"]
        let whole = try splat(fit + ["--out", root + "/whole/head.ply"])
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let out = root + "/killed/head.ply", checkpoint = out + ".checkpoint.safetensors", again = fit + ["--out", out, "--resume"]
        try killNine("splat", again, at: { true }, after: 0.05)  // starting up, or before the first checkpoint
        try killNine("splat", again, at: { exists(checkpoint) }, after: 0.02)
        let first = inode(checkpoint)
        try killNine("splat", again, at: { inode(checkpoint).map { $0 != first } ?? false }, after: 0.03)
        XCTAssertFalse(exists(out), "no PLY before the fit is complete")
        let resumed = try splat(again)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming from \(checkpoint) at step"), resumed.stdout)
        XCTAssertEqual(try contents(out), try contents(root + "/whole/head.ply"), "the PLY of an uninterrupted fit, byte for byte")
        XCTAssertFalse(exists(checkpoint))
        XCTAssertEqual(leftovers(root + "/killed"), [])
    }

    func testGenerateResumesExactlyAfterKillNine() throws {
        let model = try tinyModel(), root = Fixtures.temporaryDirectory()
        func arguments(_ out: String) -> [String] {
            ["generate", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", out, "--steps", "24", "--elevation", "10",
             "--views", "8", "--decode-chunk", "2"]
        }
        XCTAssertEqual(try orbit(arguments(root + "/whole")).status, 0)
        let out = root + "/views", checkpoint = out + ".partial/checkpoint.safetensors"
        try killNine("orbit", arguments(out), at: { exists(out + ".partial") })
        try killNine("orbit", arguments(out), at: { stepsDone(checkpoint) >= 8 }, after: 0.01)
        try killNine("orbit", arguments(out), at: { stepsDone(checkpoint) >= 16 }, after: 0.02)
        XCTAssertFalse(exists(out), "the views folder appears only when complete")
        let resumed = try orbit(arguments(out))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming from"), resumed.stdout)
        try assertSameBytes(out, root + "/whole")
        XCTAssertEqual(leftovers(out), [])
    }

    /// The synth dataset (made uninterrupted, once per process).
    func synthDataset() throws -> String {
        if let made = Self.synthData { return made }
        try requireFaceKitForSynth()
        let out = Fixtures.temporaryDirectory() + "/synth"
        let run = try orbit(synthArguments(out))
        XCTAssertEqual(run.status, 0, run.stderr)
        Self.synthData = out
        return out
    }

    func synthArguments(_ out: String) -> [String] {
        ["synth", "--subjects", "2", "--appearances", "1", "--resolution", "32", "--sdf-samples", "40", "--seed", "5", "--out", out]
    }

    func testSynthResumesToTheSameBytesAfterKillNine() throws {
        let whole = try synthDataset()
        let out = Fixtures.temporaryDirectory() + "/synth", first = out + "/subject_0000/appearance_00"
        try killNine("orbit", synthArguments(out), at: { exists(out + "/dataset.json") })
        try killNine("orbit", synthArguments(out), at: { exists(first) }, after: 0.3)  // into the second image set
        XCTAssertFalse(exists(out + "/subject_0001/appearance_00"), "an image set appears only when complete")
        let resumed = try orbit(synthArguments(out))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        try assertSameBytes(out, whole)
        XCTAssertEqual(leftovers(out), [])
    }

    /// `orbit train ARGUMENTS --out RUN`, killed before its first checkpoint and after one, then resumed,
    /// ends with the checkpoint (parameters, Adam moments, EMA, loss history) and `outputs` of an
    /// uninterrupted run; `final` (written only at the end) does not exist before.
    func assertTrainingSurvivesKillNine(_ arguments: [String], outputs: [String], final: String? = nil,
                                        file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let root = Fixtures.temporaryDirectory()
        let train = ["train"] + arguments + ["--checkpoint-every", "10"]
        let whole = try orbit(train + ["--out", root + "/whole"])
        XCTAssertEqual(whole.status, 0, whole.stderr, file: file, line: line)
        let out = root + "/killed", checkpoint = out + "/checkpoint.safetensors", again = train + ["--out", out, "--resume"]
        try killNine("orbit", again, at: { true }, after: 0.5, file: file, line: line)  // loading, or before the first checkpoint
        try killNine("orbit", again, at: { exists(checkpoint) }, after: 0.05, file: file, line: line)
        if let final { XCTAssertFalse(exists(out + "/" + final), "\(final) is written at the end", file: file, line: line) }
        let resumed = try orbit(again)
        XCTAssertEqual(resumed.status, 0, resumed.stderr, file: file, line: line)
        try assertSameBytes(out, root + "/whole", only: ["checkpoint.safetensors"] + outputs, file: file, line: line)
        XCTAssertEqual(leftovers(out), [], file: file, line: line)
        return root + "/whole"
    }

    func testTrainingCommandsResumeBitExactlyAfterKillNine() throws {
        let data = try synthDataset()
        let nphm = try assertTrainingSurvivesKillNine(["nphm", "--data", data, "--steps", "30", "--samples", "1", "--near-points", "32"],
                                                      outputs: ["model/model.safetensors", "model/codes.safetensors"])
        _ = try assertTrainingSurvivesKillNine(["nphm-prior", "--data", data, "--nphm", nphm + "/model", "--steps", "30", "--batch", "2"],
                                               outputs: ["prior/model.safetensors", "prior/normalisation.safetensors", "conditions.safetensors"])
        let vae = try assertTrainingSurvivesKillNine(["vae", "--data", data, "--steps", "30", "--crop", "32", "--batch", "1", "--clip-frames", "2"],
                                                     outputs: ["vae/diffusion_pytorch_model.safetensors", "vae/config.json"], final: "vae")
        let cache = Fixtures.temporaryDirectory() + "/cache"
        let cached = try orbit(["train", "cache", "--data", data, "--vae", vae + "/vae", "--out", cache])
        XCTAssertEqual(cached.status, 0, cached.stderr)
        _ = try assertTrainingSurvivesKillNine(["generator", "--data", data, "--cache", cache, "--vae", vae + "/vae", "--steps", "20"],
                                               outputs: ["model/unet/diffusion_pytorch_model.safetensors"])
    }
}

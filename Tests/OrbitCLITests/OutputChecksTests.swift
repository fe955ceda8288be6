import Foundation
import TestSupport
import XCTest

/// `orbit synth`, `mesh` and `train` check their outputs before any work: a folder that cannot be
/// made or written is a named error (and the command's other errors come after it), an existing
/// output is replaced only with --force, and a failed run leaves no folder it created.
extension OrbitCLITests {
    func testSynthMeshAndTrainCheckTheirOutputsBeforeAnyWork() throws {
        let root = Fixtures.temporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: root + "/file"))
        let missingKit = ["--facekit", root + "/missing.safetensors"]

        // synth: the dataset folder, and the contact sheet (replaced only with --force).
        assertFails(try orbit(["synth", "--out", root + "/file/data"] + missingKit), "file/data: cannot be created: ")
        try Data("sheet".utf8).write(to: URL(fileURLWithPath: root + "/sheet.png"))
        assertFails(try orbit(["synth", "--preview", "--out", root + "/sheet.png"] + missingKit),
                    "sheet.png: already exists (pass --force to replace it)")
        assertFails(try orbit(["synth", "--preview", "--out", root + "/sheet.png", "--force"] + missingKit), "missing.safetensors")
        XCTAssertEqual(try contents(root + "/sheet.png"), Data("sheet".utf8))

        // mesh: outputs checked before the head model is loaded; created folders removed after a failure.
        let portrait = Fixtures.path("yunet/astronaut.png")
        assertFails(try orbit(["mesh", portrait, "--out", root + "/file/head.ply"]), "file/head.ply: cannot be created: ")
        try Data("mesh".utf8).write(to: URL(fileURLWithPath: root + "/head.ply"))
        assertFails(try orbit(["mesh", portrait, "--out", root + "/head.ply"]), "head.ply: already exists (pass --force to replace it)")
        XCTAssertEqual(try contents(root + "/head.ply"), Data("mesh".utf8))
        assertFails(try orbit(["mesh", root + "/nope.png", "--out", root + "/new/deeper/head.ply"]), "nope.png")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/new"))

        // train: the run's folder is checked before the dataset is read.
        assertFails(try orbit(["train", "nphm", "--data", root + "/nowhere", "--out", root + "/file/run"]), "file/run: cannot be created: ")
        assertFails(try orbit(["train", "cache", "--data", root + "/nowhere", "--vae", root, "--out", root + "/file/cache"]),
                    "file/cache: cannot be created: ")
        let every = try orbit(["train", "vae", "--data", root + "/nowhere", "--out", root + "/run", "--checkpoint-every", "15"])
        XCTAssertEqual(every.status, 64)
        XCTAssertTrue(every.stderr.contains("--checkpoint-every must be a positive multiple of 10"), every.stderr)
    }

    /// VAE crops under LPIPS's 32 px trapped inside LPIPS; they are refused by name.
    func testTrainVAERefusesCropsLPIPSCannotSee() throws {
        let data = try synthDataset(), out = Fixtures.temporaryDirectory() + "/run"
        assertFails(try orbit(["train", "vae", "--data", data, "--out", out, "--crop", "16", "--steps", "1"]),
                    "crop 16 must be a multiple of 8, at least 32 px (LPIPS's smallest image)")
    }
}
